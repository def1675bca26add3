import { z } from "zod";
import { NODE_PROFILES } from "../shared/config.ts";
import { QueryDefinition } from "../shared/protocol/definition.ts";
import { NODE_ID_PATTERN } from "../shared/protocol/ids.ts";
import { brokerName } from "../shared/transport/mod.ts";

/**
 * A scenario as data: the sites, the queries and when they are submitted, a schedule of faults,
 * the transport, the seed and the invariants to check. Every time is in milliseconds from the
 * start of the run; a fault is in force from `at` for `for` milliseconds, then it heals.
 */

const ms = z
  .number()
  .int()
  .min(0)
  .max(24 * 3600_000);
const probability = z.number().min(0).max(1);
const nodeId = z.string().regex(NODE_ID_PATTERN, { message: "must be a node id (^[a-z0-9][a-z0-9-]{0,62}$)" });
/** Whose deliveries a consumer-side fault hits: the hub's, every node's, or one node's. */
const target = z.union([z.literal("hub"), z.literal("nodes"), nodeId]);
const window = { at: ms, for: ms };

export const FaultSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("latency"), ...window, baseMs: ms, jitterMs: ms.default(0) }),
  z.strictObject({ kind: z.literal("duplicate"), ...window, probability, maxLagMs: ms.min(1).default(2_000) }),
  z.strictObject({ kind: z.literal("reorder"), ...window, probability, windowMs: ms.min(1) }),
  /** The handler's ack is lost: after `ackWaitMs` the broker gives the message to a consumer again. */
  z.strictObject({ kind: z.literal("dropBeforeAck"), ...window, target, probability, ackWaitMs: ms.min(1).default(1_000) }),
  /** The ack leaves `delayMs` late; past `ackWaitMs` the broker has redelivered already. */
  z.strictObject({
    kind: z.literal("ackDelay"),
    ...window,
    target,
    probability,
    delayMs: ms.min(1),
    ackWaitMs: ms.min(1).default(1_000),
  }),
  /** The consumer bounces deliveries back to the queue unseen. */
  z.strictObject({ kind: z.literal("nackStorm"), ...window, target, probability: z.number().min(0).max(0.6) }),
  /** Result-updates captured earlier are published again, `count` of them, spread over the window. */
  z.strictObject({ kind: z.literal("staleReplay"), ...window, count: z.number().int().min(1).max(1_000) }),
  z.strictObject({ kind: z.literal("nodeCrash"), ...window, nodeId, loseState: z.boolean().default(false) }),
  z.strictObject({ kind: z.literal("hubCrash"), ...window }),
  /** A second agent runs as the same node for the window: two writers of the same results. */
  z.strictObject({ kind: z.literal("twin"), ...window, nodeId }),
  /** "publish": the node cannot publish; "consume": it receives nothing; "both". */
  z.strictObject({ kind: z.literal("partition"), ...window, nodeId, direction: z.enum(["publish", "consume", "both"]).default("both") }),
  z.strictObject({
    kind: z.literal("clockSkew"),
    ...window,
    nodeId,
    offsetMs: z.number().int().min(-3600_000).max(3600_000),
  }),
  /** Garbage on the hub's route, `count` messages spread over the window. */
  z.strictObject({ kind: z.literal("poison"), ...window, count: z.number().int().min(1).max(1_000) }),
]);
export type Fault = z.output<typeof FaultSchema>;
export type FaultKind = Fault["kind"];

export const INVARIANTS = [
  "convergence",
  "no-regression",
  "no-double-count",
  "stored-once",
  "conflicts-by-ladder",
  "rebuild-equals-live",
  "obfuscation-bounds",
] as const;
export type InvariantName = (typeof INVARIANTS)[number];

const DEFAULT_DEFINITION = { panels: [{ concepts: ["dx:E11.9"] }] };

export const ScenarioSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: "must be a lower-case name of letters, digits and dashes" }),
    description: z.string().min(1).max(200),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
    /** A broker of the registry (shared/transport/registry.ts). */
    transport: brokerName.default("memory"),
    policy: z.enum(["versioned", "naive"]).default("versioned"),
    nodes: z
      .array(
        z.strictObject({
          nodeId,
          profile: z.enum(NODE_PROFILES),
          /** Overrides the profile's chance that the site fails a query. */
          failureChance: probability.optional(),
        }),
      )
      .min(1)
      .max(50)
      .refine((ns) => new Set(ns.map((n) => n.nodeId)).size === ns.length, { message: "node ids must be unique" }),
    populationSize: z.number().int().min(10).max(1_000_000).default(2_000),
    queries: z
      .array(z.strictObject({ at: ms, definition: QueryDefinition.default(DEFAULT_DEFINITION) }))
      .min(1)
      .max(200),
    faults: z.array(FaultSchema).max(100).default([]),
    resultTimeoutMs: ms.min(1_000).default(120_000),
    heartbeatMs: ms.min(100).default(5_000),
    /** Multiplies every site latency. */
    timeScale: z.number().min(0.001).max(100).default(1),
    /** Virtual time at most before the run gives up waiting for every query to be done. */
    limitMs: ms.min(1_000).default(30 * 60_000),
    invariants: z
      .array(z.enum(INVARIANTS))
      .min(1)
      .default([...INVARIANTS]),
  })
  .superRefine((s, ctx) => {
    const ids = new Set(s.nodes.map((n) => n.nodeId));
    s.faults.forEach((f, i) => {
      if ("nodeId" in f && !ids.has(f.nodeId)) {
        ctx.addIssue({ code: "custom", path: ["faults", i, "nodeId"], message: `no node ${f.nodeId} in this scenario` });
      }
      if ("target" in f && f.target !== "hub" && f.target !== "nodes" && !ids.has(f.target)) {
        ctx.addIssue({ code: "custom", path: ["faults", i, "target"], message: `no node ${f.target} in this scenario` });
      }
    });
  });

export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;

export class InvalidScenarioError extends Error {
  override readonly name = "InvalidScenarioError";
}

/** Validates a scenario; a bad one throws an error naming each field at fault. */
export function parseScenario(input: unknown, origin = "scenario"): Scenario {
  const parsed = ScenarioSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
  throw new InvalidScenarioError(`invalid ${origin}\n  ${lines.join("\n  ")}`);
}

/** For a scenario module: checks the definition when the module loads. */
export function defineScenario(input: ScenarioInput): Scenario {
  return parseScenario(input, `scenario ${String((input as { name?: unknown }).name ?? "")}`.trim());
}

/** When the last fault heals. */
export function healedAt(s: Scenario): number {
  return s.faults.reduce((m, f) => Math.max(m, f.at + f.for), 0);
}
