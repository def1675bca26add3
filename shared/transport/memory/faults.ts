import { z } from "zod";
import type { Random } from "../../ports/random.ts";
import { describeIssues } from "../../protocol/messages.ts";

/**
 * Network faults the memory broker injects where a message travels from publisher to queue.
 * A scenario may change them at any time; every draw comes from one seeded stream, so the same
 * seed, plan and publishes give the same deliveries.
 */

const probability = z.number().min(0).max(1);
const ms = z
  .number()
  .int()
  .min(0)
  .max(24 * 3600_000);

export const FaultSpecSchema = z.strictObject({
  /** A second copy of the message (same messageId and body) reaches the queue 1..maxLagMs after the first. */
  duplicate: z.strictObject({ probability, maxLagMs: ms.min(1).default(100) }).optional(),
  /** The message is held 1..windowMs in transit, so messages published after it overtake it. */
  reorder: z.strictObject({ probability, windowMs: ms.min(1) }).optional(),
  /** Latency of every message: baseMs plus 0..jitterMs. */
  delay: z.strictObject({ baseMs: ms, jitterMs: ms.default(0) }).optional(),
});

export const FaultPlanSchema = z.strictObject({
  /** Faults on every queue. */
  all: FaultSpecSchema.optional(),
  /** Faults on one queue by its full name (e.g. `qnet.hub.results`); each field replaces the same field of `all`. */
  queues: z.record(z.string(), FaultSpecSchema).optional(),
});

export type FaultSpec = z.input<typeof FaultSpecSchema>;
export type FaultPlan = z.input<typeof FaultPlanSchema>;
type ParsedSpec = z.output<typeof FaultSpecSchema>;
type ParsedPlan = z.output<typeof FaultPlanSchema>;

/** What happens to one message on its way into one queue. */
export interface TransitFate {
  /** Time in transit before the message becomes ready in the queue. */
  holdMs: number;
  /** When set, a copy follows the message this much later. */
  duplicateLagMs: number | undefined;
}

export const NO_FAULT: TransitFate = { holdMs: 0, duplicateLagMs: undefined };

export class InvalidFaultPlanError extends Error {
  override readonly name = "InvalidFaultPlanError";
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new InvalidFaultPlanError(`invalid fault plan: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export class FaultInjector {
  private plan: ParsedPlan = {};

  constructor(
    private readonly random: Random,
    plan: FaultPlan = {},
  ) {
    this.set(plan);
  }

  /** Replace the whole plan. Throws InvalidFaultPlanError with the reason on a bad plan. */
  set(plan: FaultPlan): void {
    this.plan = parse(FaultPlanSchema, plan);
  }

  /** Replace the faults of every queue (undefined: none). */
  setAll(spec: FaultSpec | undefined): void {
    this.plan = { ...this.plan, all: spec === undefined ? undefined : parse(FaultSpecSchema, spec) };
  }

  /** Replace the faults of one queue (undefined: back to `all`). */
  setQueue(queue: string, spec: FaultSpec | undefined): void {
    const queues = { ...this.plan.queues };
    if (spec === undefined) delete queues[queue];
    else queues[queue] = parse(FaultSpecSchema, spec);
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
    const spec: ParsedSpec = { ...this.plan.all, ...this.plan.queues?.[queue] };
    if (!spec.delay && !spec.reorder && !spec.duplicate) return NO_FAULT;
    let holdMs = 0;
    if (spec.delay) holdMs += spec.delay.baseMs + (spec.delay.jitterMs > 0 ? this.random.int(0, spec.delay.jitterMs) : 0);
    if (spec.reorder && this.random.chance(spec.reorder.probability)) holdMs += this.random.int(1, spec.reorder.windowMs);
    const duplicateLagMs =
      spec.duplicate && this.random.chance(spec.duplicate.probability) ? this.random.int(1, spec.duplicate.maxLagMs) : undefined;
    return { holdMs, duplicateLagMs };
  }
}
