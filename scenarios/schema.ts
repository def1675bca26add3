import { z } from "zod";
import { DATE_PRINTS } from "../node-agent/datePrint.ts";
import { OPTIONAL_FIELDS } from "../node-agent/leaveOut.ts";
import { NODE_PROFILES } from "../shared/config.ts";
import { FaultSchema, MAX_HUBS, ms, nodeId, probability } from "../shared/faults/mod.ts";
import { QueryDefinition } from "../shared/protocol/definition.ts";
import { Obfuscation } from "../shared/protocol/items.ts";
import { brokerName } from "../shared/transport/mod.ts";
import { INVARIANTS } from "./check/invariants.ts";
import { RULES } from "./check/rules.ts";
import { APPLY_POLICIES } from "./run/policy.ts";

/**
 * A scenario as data: the sites, the queries and when they are submitted, a schedule of faults
 * (each of a kind of the fault table, shared/faults/), the transport, the seed, the invariants
 * to check and the rules of the protocol it exists to exercise. Every time is in milliseconds
 * from the start of the run; a fault is in force from `at` for `for` milliseconds, then it heals.
 */

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
    policy: z.enum(APPLY_POLICIES).default("versioned"),
    /**
     * Hub replicas over the one store: in simulation that many hubs in the process, on a real broker
     * that many hub connections; queries go to them in turn, and they share the singleton duties.
     */
    hubs: z.number().int().min(1).max(MAX_HUBS).default(1),
    nodes: z
      .array(
        z.strictObject({
          nodeId,
          profile: z.enum(NODE_PROFILES),
          /** Overrides the profile's chance that the site fails a query. */
          failureChance: probability.optional(),
          /**
           * How the site blurs its counts and cells, SHRINE's parameters when absent. The checker holds
           * every site to SHRINE's: a site set to blur less (binSize 1, the rest 0 sends true numbers) is caught.
           */
          obfuscation: Obfuscation.optional(),
          /** The optional fields of a result state the site leaves out, as a node of the original contract does: the hub must show what it sends. */
          leaveOut: z
            .array(z.enum(OPTIONAL_FIELDS))
            .refine((fs) => new Set(fs).size === fs.length, { message: "each field once" })
            .optional(),
          /**
           * How the site prints the instants of its states: "micros" as a JVM does; "instant" as Java's Instant prints whole
           * milliseconds, no fraction when it is zero, the createDate it was sent too; "millis" (JavaScript's) when absent.
           */
          dates: z.enum(DATE_PRINTS).optional(),
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
    /**
     * Store positions between the hub's view snapshots, which a restarted hub starts from (50,000
     * when absent, more than a scenario stores).
     */
    snapshotEvery: z.number().int().min(1).optional(),
    /** Multiplies every site latency. */
    timeScale: z.number().min(0.001).max(100).default(1),
    /** Virtual time at most before the run gives up waiting for every query to be done. */
    limitMs: ms.min(1_000).default(30 * 60_000),
    invariants: z
      .array(z.enum(INVARIANTS))
      .min(1)
      .default([...INVARIANTS]),
    /** The rules of the protocol this scenario exists to exercise: the run fails when one of them did not fire. */
    exercises: z
      .array(z.enum(RULES))
      .default([])
      .refine((rs) => new Set(rs).size === rs.length, { message: "each rule once" }),
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
      if (f.kind === "hubCrash" && s.hubs > 1) {
        ctx.addIssue({ code: "custom", path: ["faults", i, "kind"], message: "with hub replicas, replicaCrash says which one crashes" });
      }
      if (f.kind === "replicaCrash" && f.graceful && s.hubs > 1) {
        ctx.addIssue({ code: "custom", path: ["faults", i, "graceful"], message: "a graceful stop is judged with one hub only" });
      }
      if (f.kind === "replicaCrash" && f.replica >= s.hubs) {
        ctx.addIssue({ code: "custom", path: ["faults", i, "replica"], message: `no hub replica ${f.replica} in a scenario of ${s.hubs}` });
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
