import type { Clock } from "../shared/ports/clock.ts";

export interface NodeLiveness {
  nodeId: string;
  known: boolean;
  lastHeartbeat: string | null;
  activeQueries: number;
  alive: boolean;
}

/** Which nodes are alive, from their heartbeats; a node is alive while it beat within three intervals. */
export class Liveness {
  private readonly beats = new Map<string, { at: number; activeQueries: number }>();

  constructor(
    private readonly known: readonly string[],
    private readonly clock: Clock,
    private readonly heartbeatMs: number,
  ) {}

  beat(nodeId: string, activeQueries: number): void {
    this.beats.set(nodeId, { at: this.clock.now(), activeQueries });
  }

  nodes(): NodeLiveness[] {
    const ids = [...new Set([...this.known, ...this.beats.keys()])].sort();
    const now = this.clock.now();
    return ids.map((nodeId) => {
      const b = this.beats.get(nodeId);
      return {
        nodeId,
        known: this.known.includes(nodeId),
        lastHeartbeat: b ? new Date(b.at).toISOString() : null,
        activeQueries: b?.activeQueries ?? 0,
        alive: b !== undefined && now - b.at <= 3 * this.heartbeatMs,
      };
    });
  }

  aliveCount(): number {
    return this.nodes().filter((n) => n.alive).length;
  }
}
