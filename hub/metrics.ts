import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";
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
  readonly outcomes = new Counter({
    name: "qnet_apply_outcomes_total",
    help: "Proposed states by apply outcome",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
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
  });
  readonly redeliveries = new Counter({
    name: "qnet_redeliveries_total",
    help: "Deliveries the broker flagged as redelivered",
    registers: [this.registry],
  });
  readonly applyLatency = new Histogram({
    name: "qnet_apply_latency_seconds",
    help: "From delivery to durable outcome",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
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
    for (const outcome of OUTCOMES) this.outcomes.inc({ outcome }, 0);
    for (const type of MESSAGE_TYPES) this.messages.inc({ type }, 0);
  }

  outcome(outcome: Outcome): void {
    this.outcomes.inc({ outcome });
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
