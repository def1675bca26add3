import type { Clock } from "../shared/ports/clock.ts";
import type { Applied, Proposal, Store } from "../shared/ports/store.ts";
import type { HubMetrics } from "./metrics.ts";
import type { StatusView } from "./view/statusView.ts";

/**
 * Store first, then project: the only way a state reaches the view. Whatever wrote it, the
 * hub's fan-out, the overdue poller or a node through ingest, the view sees only what is durable.
 */
export class Recorder {
  constructor(
    private readonly store: Store,
    private readonly view: StatusView,
    private readonly metrics: HubMetrics,
    private readonly clock: Clock,
  ) {}

  async record(proposals: readonly Proposal[]): Promise<Applied[]> {
    const applied = await this.store.apply(proposals);
    const at = this.clock.now();
    applied.forEach((a, i) => {
      this.metrics.outcome(a.outcome);
      if (a.current) this.view.take((proposals[i] as Proposal).kind, a.current, at);
    });
    return applied;
  }
}
