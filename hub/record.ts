import type { Clock } from "../shared/ports/clock.ts";
import type { Applied, Proposal, Store } from "../shared/ports/store.ts";
import type { DuplicateLog } from "./duplicates.ts";
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
    private readonly duplicates?: DuplicateLog,
  ) {}

  async record(proposals: readonly Proposal[]): Promise<Applied[]> {
    const applied = await this.store.apply(proposals);
    const at = this.clock.now();
    applied.forEach((a, i) => {
      const p = proposals[i] as Proposal;
      this.metrics.outcome(a.outcome);
      if (a.current) this.view.take(p.kind, a.current, at);
      if (a.outcome === "duplicate") this.noteDuplicate(p, at);
    });
    return applied;
  }

  private noteDuplicate(p: Proposal, at: number): void {
    if (!this.duplicates) return;
    const s = p.state as { id: string; queryId?: string; nodeId?: string; status?: string; versionInfo: { itemVersion: number } };
    this.duplicates.note(p.kind === "result" ? (s.queryId as string) : s.id, {
      kind: p.kind,
      id: s.id,
      nodeId: p.kind === "result" ? (s.nodeId ?? null) : null,
      itemVersion: s.versionInfo.itemVersion,
      status: s.status ?? null,
      messageId: p.messageId ?? null,
      at: new Date(at).toISOString(),
    });
  }
}
