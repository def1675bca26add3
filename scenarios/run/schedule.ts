import { type Fault, type FaultedNetwork, faultKind } from "../../shared/faults/mod.ts";
import type { Logger } from "../../shared/log.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { ACK_WAIT_MS } from "../../shared/transport/nats/mod.ts";
import type { History } from "./history.ts";

/** Actions at their times from the start of the run; a failing one is logged, never thrown. */
export class Schedule {
  private readonly pending: Promise<unknown>[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  at(atMs: number, action: () => unknown): void {
    this.clock.setTimeout(() => {
      const p = Promise.resolve(action()).catch((err) => this.log.error({ err: String(err) }, "scenario action failed"));
      this.pending.push(p);
    }, atMs);
  }

  /** Resolves once every action started so far has ended. */
  settled(): Promise<unknown> {
    return Promise.allSettled(this.pending);
  }
}

/**
 * Every fault at its times, through its kind's module in the fault table: a window fault installed
 * when its window opens and removed when it heals, a burst's shots at times drawn now, in order,
 * from the faults' stream. Each window goes into the history as the run will have it.
 */
export function scheduleFaults(
  faults: readonly Fault[],
  deps: { schedule: Schedule; network: FaultedNetwork; history: History; time: (ms: number) => number },
): void {
  const { schedule, network, history, time } = deps;
  for (const fault of faults) {
    const kind = faultKind(fault.kind);
    const from = time(fault.at);
    const to = time(fault.at + fault.for);
    const { label, nodeId } = kind.describe(fault);
    history.faults.push({ label, nodeId, from, to });
    if ("inject" in kind) {
      for (let i = 0; i < kind.shots(fault); i++)
        schedule.at(from + network.random.int(0, Math.max(0, to - from)), () => kind.inject(fault, network));
    } else {
      schedule.at(from, () => kind.install(fault, network));
      schedule.at(to, () => kind.remove(fault, network));
    }
  }
}

/** After the last action and fault, time for redeliveries and late messages to settle before the check. */
const DRAIN_MS = 30_000;
/**
 * On the wall clock, how long past done a run waits for the network to fall quiet: a broker gives
 * a killed consumer's deliveries to another only after its ack wait (JetStream's; RabbitMQ at once).
 */
const QUIET_WITHIN_MS = ACK_WAIT_MS + 5_000;

/**
 * Runs the network until done() holds or the scenario's limit passes, then drains: on a virtual
 * clock by advancing it (a run is a function of its seed), on the wall clock by waiting, first for
 * quiet() (no site still working, no message to the hub unsettled: a site's late final must reach
 * the view before it is judged) and then a moment more.
 */
export async function runUntilDone(
  clock: Clock,
  done: () => boolean,
  limits: { start: number; limitMs: number; time: (ms: number) => number; quiet: () => boolean },
): Promise<void> {
  const drainMs = limits.time(DRAIN_MS);
  if (clock instanceof VirtualClock) {
    await clock.runWhile(() => !done(), limits.limitMs);
    await clock.advance(drainMs);
    return;
  }
  const deadline = limits.start + limits.time(limits.limitMs);
  while (!done() && clock.now() < deadline) await clock.sleep(50);
  const quietBy = Math.min(deadline, clock.now() + QUIET_WITHIN_MS);
  while (!limits.quiet() && clock.now() < quietBy) await clock.sleep(50);
  await clock.sleep(Math.min(drainMs, 3_000));
}
