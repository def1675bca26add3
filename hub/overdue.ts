import type { Logger } from "../shared/log.ts";
import type { Clock, Timer } from "../shared/ports/clock.ts";
import type { ResultState } from "../shared/protocol/items.ts";
import { nextVersion } from "../shared/protocol/versionInfo.ts";
import type { QueryDesk } from "./queries.ts";
import type { Recorder } from "./record.ts";
import type { StatusView } from "./view/statusView.ts";

/**
 * The hub gives up on a site: a result whose newest state is non-final and has not moved for the
 * result timeout becomes `timedOut`. A late `completed` still wins, by the ladder.
 */
export class OverduePoller {
  private timer: Timer | undefined;
  private readonly intervalMs: number;

  constructor(
    private readonly deps: {
      view: StatusView;
      recorder: Recorder;
      desk: QueryDesk;
      clock: Clock;
      log: Logger;
      timeoutMs: number;
      /** Whether this replica holds the singleton duties' lease now. */
      onDuty: () => boolean;
      /**
       * Brings the view up to the store before a sweep judges by it: another replica may have
       * stored a site's newer state that this view has not read yet, and a result that just moved
       * is not overdue.
       */
      readOn: () => Promise<void>;
    },
  ) {
    // docs/protocol.md promises timedOut within the timeout plus one sweep: a quarter of it, at most 5 s.
    const quarter = Math.min(5000, Math.floor(deps.timeoutMs / 4));
    // Stryker disable next-line MethodExpression: a shorter interval (min for max) only sweeps more often, which costs CPU and is never late
    this.intervalMs = Math.max(50, quarter);
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = this.deps.clock.setTimeout(() => {
      void this.sweep()
        .catch(this.sweepFailed)
        .finally(() => {
          if (this.timer) this.schedule();
        });
    }, this.intervalMs);
  }

  // Stryker disable next-line ArrowFunction,ObjectLiteral,StringLiteral: the operator's log line only; the next sweep tries again either way
  private readonly sweepFailed = (err: unknown): void => this.deps.log.error({ err: String(err) }, "overdue sweep failed");

  /** One pass: mark every overdue result; answers how many. Off duty, a replica leaves it to the holder. */
  async sweep(): Promise<number> {
    const { view, recorder, desk, clock, log, timeoutMs } = this.deps;
    if (!this.deps.onDuty()) return 0;
    await this.deps.readOn();
    const now = clock.now();
    const overdue = [...view.stalled(now - timeoutMs)];
    // Saves an empty store step each sweep (a store call and a recording for nothing); a step with no proposal would write nothing.
    if (overdue.length === 0) return 0;
    const proposals = overdue.map((r) => ({
      kind: "result" as const,
      origin: "hub" as const,
      state: {
        id: r.id,
        queryId: r.queryId,
        nodeId: r.nodeId,
        versionInfo: nextVersion(r.versionInfo, now),
        status: "timedOut",
        // Stryker disable next-line StringLiteral: wording for the operator; no rule reads a statusMessage
        statusMessage: `the hub has given up on getting a result from ${r.nodeId}`,
      } satisfies ResultState,
    }));
    await recorder.record(proposals);
    // Stryker disable next-line ObjectLiteral,StringLiteral: the operator's log line only
    log.info({ count: overdue.length }, "results timed out");
    await desk.settle(new Set(overdue.map((r) => r.queryId)));
    return overdue.length;
  }
}
