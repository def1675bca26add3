import { z } from "zod";
import type { Random } from "../ports/random.ts";
import type { Route } from "../ports/transport.ts";
import { describeIssues } from "../protocol/messages.ts";
import { type DuplicateInTransit, DUPLICATED, drawCopyLag, duplicateInTransit } from "./kinds/duplicate.ts";
import { DELAYED, drawLatency, type LatencyInTransit, latencyInTransit } from "./kinds/latency.ts";
import { drawHold, HELD_BACK, type ReorderInTransit, reorderInTransit } from "./kinds/reorder.ts";
import type { FaultReport } from "./kind.ts";

/**
 * Faults on a message's way from its publisher to its queue: latency, reordering, duplication. The
 * memory broker injects them inside itself; around a real broker's client TransitTransport does.
 * Both draw a message's fate here, so the same faults and seed draw alike on either.
 */

/** The transit faults in force. */
export interface TransitFaults {
  latency?: LatencyInTransit;
  reorder?: ReorderInTransit;
  duplicate?: DuplicateInTransit;
}

/** What happens to one message on its way. */
export interface TransitFate {
  /** Held up by latency this long. */
  latencyMs: number;
  /** Held back this long on top, so that messages sent after it overtake it. */
  holdMs: number;
  /** When set, a copy follows the message this much later. */
  duplicateLagMs: number | undefined;
}

export const NO_FATE: TransitFate = { latencyMs: 0, holdMs: 0, duplicateLagMs: undefined };

/** Draws nothing for a fault not in force, so a fault switching on does not shift the other draws. */
export function drawTransitFate(faults: TransitFaults, random: Random): TransitFate {
  const { latency, reorder, duplicate } = faults;
  if (!latency && !reorder && !duplicate) return NO_FATE;
  return {
    latencyMs: latency ? drawLatency(latency, random) : 0,
    holdMs: reorder ? drawHold(reorder, random) : 0,
    duplicateLagMs: duplicate ? drawCopyLag(duplicate, random) : undefined,
  };
}

/** What a transit fault did to a message, as a run counts it, e.g. "result duplicated in transit". */
export function transitAction(route: Route, what: string): string {
  const kind = route.to === "hub" ? route.kind : route.to === "node" ? "run-query" : route.to === "control" ? "control" : "dead letter";
  return `${kind} ${what}`;
}

/** Counts what a fate does to a message: its latency, its hold, its copy. */
export function reportFate(report: FaultReport, who: string, route: Route, fate: TransitFate): void {
  if (fate.latencyMs > 0) report.faulted(who, transitAction(route, DELAYED));
  if (fate.holdMs > 0) report.faulted(who, transitAction(route, HELD_BACK));
  if (fate.duplicateLagMs !== undefined) report.faulted(who, transitAction(route, DUPLICATED));
}

/** Who sends a message by its route: the hub its run-queries, a node its results and heartbeats, the consumer of a dead letter's origin. */
export function senderOf(route: Route): string {
  if (route.to === "node" || route.to === "control") return "hub";
  if (route.to === "hub") return route.nodeId;
  return route.origin.startsWith("query.") ? route.origin.slice("query.".length) : "hub";
}

export const TransitFaultsSchema = z.strictObject({
  latency: latencyInTransit.optional(),
  reorder: reorderInTransit.optional(),
  duplicate: duplicateInTransit.optional(),
});

export const TransitPlanSchema = z.strictObject({
  /** Faults on every queue. */
  all: TransitFaultsSchema.optional(),
  /** Faults on one queue by its full name (e.g. `qnet.hub.results`); each field replaces the same field of `all`. */
  queues: z.record(z.string(), TransitFaultsSchema).optional(),
});

export type TransitPlan = z.input<typeof TransitPlanSchema>;
type ParsedPlan = z.output<typeof TransitPlanSchema>;

export class InvalidTransitPlanError extends Error {
  override readonly name = "InvalidTransitPlanError";
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new InvalidTransitPlanError(`invalid transit fault plan: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * The transit faults of a broker that injects them itself, per queue, as a plan that may change at
 * any time. Every draw comes from one seeded stream, so the same seed, plan and publishes give the
 * same deliveries.
 */
export class TransitInjector {
  private plan: ParsedPlan = {};

  constructor(
    private readonly random: Random,
    plan: TransitPlan = {},
  ) {
    this.set(plan);
  }

  /** Replace the whole plan. Throws InvalidTransitPlanError with the reason on a bad plan. */
  set(plan: TransitPlan): void {
    this.plan = parse(TransitPlanSchema, plan);
  }

  /** Replace the faults of every queue (undefined: none). */
  setAll(faults: z.input<typeof TransitFaultsSchema> | undefined): void {
    this.plan = { ...this.plan, all: faults === undefined ? undefined : parse(TransitFaultsSchema, faults) };
  }

  /** Replace the faults of one queue (undefined: back to `all`). */
  setQueue(queue: string, faults: z.input<typeof TransitFaultsSchema> | undefined): void {
    const queues = { ...this.plan.queues };
    if (faults === undefined) delete queues[queue];
    else queues[queue] = parse(TransitFaultsSchema, faults);
    this.plan = { ...this.plan, queues };
  }

  clear(): void {
    this.plan = {};
  }

  /** The plan in force, as parsed (defaults filled in). */
  current(): ParsedPlan {
    return this.plan;
  }

  /** Draws the fate of one message entering a queue. Draws nothing when the queue has no faults. */
  fate(queue: string): TransitFate {
    return drawTransitFate({ ...this.plan.all, ...this.plan.queues?.[queue] }, this.random);
  }
}
