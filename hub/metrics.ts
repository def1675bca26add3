import { Counter, collectDefaultMetrics, Histogram, type Metric, Registry } from "prom-client";
import { OUTCOMES, type Outcome } from "../shared/apply/decide.ts";
import { Message, type MessageType } from "../shared/protocol/messages.ts";

/** Names the family of a dead-letter reason without its variable parts, to keep label values few. */
export function reasonClass(reason: string): string {
  return reason
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<id>")
    .replace(/node [a-z0-9-]+/g, "node <node>")
    .replace(/\d+/g, "N")
    .split(":")[0] as string;
}

/** Seconds, from half a millisecond to a few seconds: apply latency and HTTP answers alike. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const MESSAGE_TYPES: readonly MessageType[] = Message.options.map((m) => m.shape.type.value);

/**
 * Counts by the value of one label, kept as plain numbers where a message is counted: prom-client
 * builds and looks up a key from the label object on every labelled inc. The counter takes what
 * accumulated when it is collected (a scrape, or a read of its value).
 */
class PendingCounts<V extends string> {
  private readonly pending = new Map<V, number>();

  add(value: V): void {
    this.pending.set(value, (this.pending.get(value) ?? 0) + 1);
  }

  /** A counter's `collect`: hands it the counts since the last one. */
  collector<L extends string>(label: L): (this: Counter<L>) => void {
    const pending = this.pending;
    return function collect(this: Counter<L>) {
      for (const [value, n] of pending) {
        const labels: Partial<Record<L, string>> = {};
        labels[label] = value;
        if (n > 0) this.inc(labels, n);
      }
      pending.clear();
    };
  }
}

interface HistogramValue {
  labels: { le?: number | "+Inf" };
  value: number;
  metricName: string;
}

/**
 * A histogram without labels, observed once per message, in Prometheus' exposition as
 * prom-client's Histogram gives it: that one makes a closure and a label key per observation.
 */
class PlainHistogram {
  readonly type = "histogram" as const;
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
  ) {
    this.counts = upperBounds.map(() => 0);
  }

  observe(value: number): void {
    const bounds = this.upperBounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    if (i < bounds.length) this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }

  /** What a Registry reads of a metric: every series, as prom-client's own Histogram answers it. */
  async get(): Promise<{ name: string; help: string; type: "histogram"; values: HistogramValue[]; aggregator: "sum" }> {
    const bucket = `${this.name}_bucket`;
    let below = 0;
    const values: HistogramValue[] = this.upperBounds.map((le, i) => {
      below += this.counts[i] as number;
      return { labels: { le }, value: below, metricName: bucket };
    });
    values.push(
      { labels: { le: "+Inf" }, value: this.count, metricName: bucket },
      { labels: {}, value: this.sum, metricName: `${this.name}_sum` },
      { labels: {}, value: this.count, metricName: `${this.name}_count` },
    );
    return { name: this.name, help: this.help, type: this.type, values, aggregator: "sum" };
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

let processRegistry: Registry | undefined;

/**
 * The process's own figures (CPU, memory, event loop, GC), collected once per process: they describe
 * the process, not a hub, and each collection keeps an event-loop monitor and a GC observer for
 * good, so a process that starts many hubs (scenarios, tests) must not collect them per hub.
 */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The hub's counters: every apply outcome, dead letters, messages, redeliveries, apply latency,
 * HTTP answers. Each
 * hub has a registry of its own, so several hubs in one process do not share or collide. Every
 * series whose labels are known in advance starts at zero, so a rate over it is defined from the
 * first scrape.
 */
export class HubMetrics {
  readonly registry = new Registry();
  private readonly pendingOutcomes = new PendingCounts<Outcome>();
  private readonly pendingMessages = new PendingCounts<MessageType>();
  readonly outcomes = new Counter({
    name: "qnet_apply_outcomes_total",
    help: "Proposed states by apply outcome",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
    collect: this.pendingOutcomes.collector("outcome"),
  });
  readonly deadLetters = new Counter({
    name: "qnet_dead_letters_total",
    help: "Messages dead-lettered by the hub, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly messages = new Counter({
    name: "qnet_messages_total",
    help: "Messages consumed by the hub, by type",
    labelNames: ["type"] as const,
    registers: [this.registry],
    collect: this.pendingMessages.collector("type"),
  });
  readonly redeliveries = new Counter({
    name: "qnet_redeliveries_total",
    help: "Deliveries the broker flagged as redelivered",
    registers: [this.registry],
  });
  readonly applyLatency = new PlainHistogram("qnet_apply_latency_seconds", "From delivery to durable outcome", LATENCY_BUCKETS);
  readonly eventClientsDropped = new Counter({
    name: "qnet_event_clients_dropped_total",
    help: "Event-stream clients cut off for falling behind",
    registers: [this.registry],
  });
  /** Labelled by the route's pattern, never the raw URL, so that ids in paths do not make a series each. */
  readonly httpDuration = new Histogram({
    name: "qnet_http_request_duration_seconds",
    help: "HTTP answers by method, route pattern and status: from the request's arrival to the answer's end",
    labelNames: ["method", "route", "status_code"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    this.registry.registerMetric(this.applyLatency as unknown as Metric);
    for (const outcome of OUTCOMES) this.outcomes.inc({ outcome }, 0);
    for (const type of MESSAGE_TYPES) this.messages.inc({ type }, 0);
  }

  outcome(outcome: Outcome): void {
    this.pendingOutcomes.add(outcome);
  }

  /** A consumed message of this type. */
  message(type: MessageType): void {
    this.pendingMessages.add(type);
  }

  deadLetter(reason: string): void {
    this.deadLetters.inc({ reason: reasonClass(reason) });
  }

  async outcomeCount(outcome: Outcome): Promise<number> {
    return sampleOf(this.outcomes, { outcome });
  }

  async messageCount(type: MessageType): Promise<number> {
    return sampleOf(this.messages, { type });
  }
}

async function sampleOf<L extends string>(counter: Counter<L>, labels: Record<L, string>): Promise<number> {
  const { values } = await counter.get();
  const wanted = Object.entries(labels) as [L, string][];
  return values.find((v) => wanted.every(([k, x]) => v.labels[k] === x))?.value ?? 0;
}
