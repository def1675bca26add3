import { OUTCOMES, type Outcome } from "../shared/apply/decide.ts";
import { QUERY_LADDER, type QueryStatus } from "../shared/protocol/status.ts";

type Labels = Record<string, string>;

const labelText = (labels: Labels): string => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
};

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const v = this.values.get(key);
    if (v) v.value += by;
    else this.values.set(key, { labels, value: by });
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }
  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} counter`,
      ...[...this.values.values()].map((v) => `${this.name}${labelText(v.labels)} ${v.value}`),
    ];
  }
}

/** Cumulative buckets in seconds, as Prometheus expects. */
class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: number[],
  ) {
    this.counts = bounds.map(() => 0);
  }
  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) if (seconds <= (this.bounds[i] as number)) this.counts[i] = (this.counts[i] as number) + 1;
  }
  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} histogram`,
      ...this.bounds.map((b, i) => `${this.name}_bucket{le="${b}"} ${this.counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${this.sum}`,
      `${this.name}_count ${this.count}`,
    ];
  }
}

/** Names the family of a dead-letter reason without its variable parts, to keep label values few. */
export function reasonClass(reason: string): string {
  return reason
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<id>")
    .replace(/node [a-z0-9-]+/g, "node <node>")
    .replace(/\d+/g, "N")
    .split(":")[0] as string;
}

/** The hub's counters: every apply outcome, dead letters, messages, redeliveries, apply latency. */
export class HubMetrics {
  readonly outcomes = new Counter("qnet_apply_outcomes_total", "Proposed states by apply outcome");
  readonly deadLetters = new Counter("qnet_dead_letters_total", "Messages dead-lettered by the hub, by reason");
  readonly messages = new Counter("qnet_messages_total", "Messages consumed by the hub, by type");
  readonly redeliveries = new Counter("qnet_redeliveries_total", "Deliveries the broker flagged as redelivered");
  readonly applyLatency = new Histogram(
    "qnet_apply_latency_seconds",
    "From delivery to durable outcome",
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );
  readonly eventClientsDropped = new Counter("qnet_event_clients_dropped_total", "Event-stream clients cut off for falling behind");

  constructor() {
    for (const outcome of OUTCOMES) this.outcomes.inc({ outcome }, 0);
  }

  outcome(outcome: Outcome): void {
    this.outcomes.inc({ outcome });
  }

  deadLetter(reason: string): void {
    this.deadLetters.inc({ reason: reasonClass(reason) });
  }

  outcomeCount(outcome: Outcome): number {
    return this.outcomes.get({ outcome });
  }

  /** Prometheus text exposition; `gauges` adds point-in-time figures computed by the caller. */
  render(gauges: Gauge[] = []): string {
    const lines = [
      ...this.outcomes.render(),
      ...this.deadLetters.render(),
      ...this.messages.render(),
      ...this.redeliveries.render(),
      ...this.applyLatency.render(),
      ...this.eventClientsDropped.render(),
    ];
    for (const g of gauges) {
      lines.push(
        `# HELP ${g.name} ${g.help}`,
        `# TYPE ${g.name} gauge`,
        ...g.values.map((v) => `${g.name}${labelText(v.labels)} ${v.value}`),
      );
    }
    return `${lines.join("\n")}\n`;
  }
}

export type Gauge = { name: string; help: string; values: { labels: Labels; value: number }[] };

/** The hub's point-in-time figures: queries by status, nodes alive, event-stream clients. */
export function hubGauges(figures: { queryStatuses: Iterable<QueryStatus>; nodesAlive: number; eventClients: number }): Gauge[] {
  const byStatus = new Map<string, number>(Object.keys(QUERY_LADDER).map((s) => [s, 0]));
  for (const s of figures.queryStatuses) byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
  return [
    { name: "qnet_queries", help: "Queries by status", values: [...byStatus].map(([status, value]) => ({ labels: { status }, value })) },
    {
      name: "qnet_nodes_connected",
      help: "Nodes alive: a heartbeat within three intervals",
      values: [{ labels: {}, value: figures.nodesAlive }],
    },
    { name: "qnet_event_clients", help: "Clients streaming /api/events", values: [{ labels: {}, value: figures.eventClients }] },
  ];
}
