import type { Hub } from "../../hub/hub.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { ResultState } from "../../shared/protocol/items.ts";
import { resultStage } from "../../shared/protocol/status.ts";
import type { History } from "./history.ts";

/**
 * A researcher watching the view: every change the hub's view announces, and a poll of every row
 * of the queries so far now and then, all into the history. It follows the hub across restarts.
 */
export class ViewReader {
  private watched: Hub | undefined;
  private unwatch = () => {};
  private polling = true;

  constructor(
    private readonly deps: {
      clock: Clock;
      history: History;
      /** The hub running now. */
      hub: () => Hub;
      queryIds: readonly string[];
      pollMs: number;
      /** After every poll. */
      onPoll?: () => void;
    },
  ) {}

  /** Listens to the hub running now, if not already. */
  watch(): void {
    const hub = this.deps.hub();
    if (this.watched === hub) return;
    this.unwatch();
    this.watched = hub;
    this.unwatch = hub.view.onChange((c) => {
      if (c.kind !== "result") return;
      const r = c.state as ResultState;
      this.deps.history.observe({
        queryId: r.queryId,
        nodeId: r.nodeId,
        stage: resultStage(r.status),
        itemVersion: r.versionInfo.itemVersion,
        status: r.status,
        count: r.count ?? null,
      });
    });
  }

  /** Polls every pollMs until stopped. */
  start(): void {
    this.deps.clock.setTimeout(() => this.poll(), this.deps.pollMs);
  }

  stop(): void {
    this.polling = false;
  }

  private poll(): void {
    if (!this.polling) return;
    this.watch();
    const { history, hub, queryIds } = this.deps;
    for (const id of queryIds) {
      for (const row of hub().view.get(id)?.nodes ?? []) {
        history.observe({
          queryId: id,
          nodeId: row.nodeId,
          stage: row.stage,
          itemVersion: row.itemVersion,
          status: row.status,
          count: row.count,
        });
      }
    }
    this.deps.onPoll?.();
    this.start();
  }
}
