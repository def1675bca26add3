import { FAULT_KINDS, type Fault, type FaultKindName } from "../shared/faults/mod.ts";
import type { Random } from "../shared/ports/random.ts";
import { BREAKDOWN_KINDS, type BreakdownKind } from "../shared/protocol/breakdowns.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { SIMULATED } from "./run/context.ts";
import { replicasPossible } from "./run/replicaSet.ts";
import { runScenario, type RunOptions, type RunResult } from "./run/runner.ts";
import { type Scenario, parseScenario } from "./schema.ts";

/** A fault of the kind with its fields drawn. Every kind draws its window, a node, a target and a probability first. */
function randomFault(kind: FaultKindName, r: Random, nodeIds: readonly string[], hubs: number): Fault {
  const at = r.int(0, 10_000);
  const span = r.int(2_000, 30_000);
  const nodeId = r.pick(nodeIds);
  const target = r.pick(["hub", "nodes", nodeId]);
  const p = Math.round(r.next() * 50) / 100;
  const base = { at, for: span };
  switch (kind) {
    case "latency":
      return { kind, ...base, baseMs: r.int(0, 500), jitterMs: r.int(0, 3_000) };
    case "duplicate":
      return { kind, ...base, probability: p, maxLagMs: r.int(1, 5_000) };
    case "reorder":
      return { kind, ...base, probability: p, windowMs: r.int(1, 5_000) };
    case "dropBeforeAck":
      return { kind, ...base, target, probability: p, ackWaitMs: r.int(200, 3_000) };
    case "ackDelay":
      return { kind, ...base, target, probability: p, delayMs: r.int(100, 4_000), ackWaitMs: r.int(200, 3_000) };
    case "nackStorm":
      return { kind, ...base, target, probability: Math.min(0.5, p) };
    case "staleReplay":
      return { kind, ...base, count: r.int(1, 30), newMessageIds: r.chance(0.5) };
    case "nodeCrash":
      return { kind, ...base, nodeId, loseState: r.chance(0.5) };
    case "hubCrash":
      return { kind, ...base, point: r.pick(["idle", "beforeCommit", "afterCommit"] as const) };
    case "twin":
      return { kind, ...base, nodeId, ownSeed: r.chance(0.5) };
    case "partition":
      return { kind, ...base, nodeId, direction: r.pick(["publish", "consume", "both"] as const) };
    case "clockSkew":
      return { kind, ...base, nodeId, offsetMs: r.int(-3_600_000, 3_600_000) };
    case "poison":
      return { kind, ...base, count: r.int(1, 20) };
    case "ledgerLoss":
      return { kind, ...base, nodeId };
    case "deadLetterReplay":
      return { kind, ...base };
    case "storeFault":
      return { kind, ...base, effect: r.pick(["fail", "stall"] as const), probability: p, stallMs: r.int(100, 5_000) };
    case "replicaCrash":
      return { kind, ...base, replica: r.int(0, hubs - 1) };
    case "brokerAlarm":
      return { kind, ...base, target };
    case "queueFull":
      return { kind, ...base, nodeId };
  }
}

/** Breakdowns a query asks for: none half the time, else a random non-empty set of kinds in a random order. */
function randomBreakdowns(r: Random): { breakdowns?: BreakdownKind[] } {
  if (r.chance(0.5)) return {};
  return { breakdowns: r.shuffle(BREAKDOWN_KINDS).slice(0, r.int(1, BREAKDOWN_KINDS.length)) };
}

/**
 * A small random network (one hub, or two or three replicas) under a random mix of one to four
 * faults, all drawn from the seed. Without `replicas` (a real broker on a store its processes cannot
 * share) every seed draws one hub.
 */
export function swarmScenario(seed: number, { replicas = true }: { replicas?: boolean } = {}): Scenario {
  const r = new SeededRandom(`swarm:${seed}`);
  const nodeIds = ["site-a", "site-b", "site-c"];
  // From a stream of its own, so a seed that draws one hub draws every other thing as it did before replicas.
  const hubs = replicas ? r.fork("hubs").pick([1, 1, 1, 2, 3]) : 1;
  // A replica crash needs replicas, and with replicas a hub crash would not say which one crashes.
  // A broker alarm and a full queue are not drawn: every seed keeps the mix it drew before the kinds were added.
  const kinds = FAULT_KINDS.filter((k) => k !== (hubs === 1 ? "replicaCrash" : "hubCrash") && k !== "brokerAlarm" && k !== "queueFull");
  const faults = Array.from({ length: r.int(1, 4) }, () => randomFault(r.pick(kinds), r, nodeIds, hubs));
  // From a stream of its own, so the sites, faults and times a seed drew before breakdowns stay what they were.
  const asked = r.fork("breakdowns");
  return parseScenario(
    {
      name: `swarm-${seed}`,
      description: "a random fault mix",
      seed,
      hubs,
      nodes: nodeIds.map((nodeId) => ({ nodeId, profile: r.pick(["fast", "steady", "busy", "flaky"] as const) })),
      queries: [
        { at: 0, definition: { panels: [{ concepts: ["dx:E11.9"] }], ...randomBreakdowns(asked) } },
        { at: r.int(0, 8_000), definition: { panels: [{ concepts: ["dx:I10"] }], ...randomBreakdowns(asked) } },
      ],
      // Short enough, now and then, that a queued site or a long partition outlasts it.
      resultTimeoutMs: r.pick([20_000, 45_000, 90_000]),
      faults,
    },
    `swarm scenario ${seed}`,
  );
}

export interface SwarmRun {
  seed: number;
  scenario: Scenario;
  result: RunResult | undefined;
  error: string | undefined;
}

/** Runs `runs` seeds from `firstSeed` one after the other, telling each as it ends. */
export async function runSwarm(opts: {
  runs: number;
  firstSeed: number;
  run?: RunOptions;
  onRun?: (r: SwarmRun) => void;
}): Promise<SwarmRun[]> {
  const out: SwarmRun[] = [];
  const replicas = replicasPossible(opts.run?.transport ?? SIMULATED, opts.run?.store ?? "memory");
  for (let i = 0; i < opts.runs; i++) {
    const seed = opts.firstSeed + i;
    const scenario = swarmScenario(seed, { replicas });
    let run: SwarmRun;
    try {
      run = { seed, scenario, result: await runScenario(scenario, { ...opts.run, seed }), error: undefined };
    } catch (err) {
      run = { seed, scenario, result: undefined, error: String(err) };
    }
    out.push(run);
    opts.onRun?.(run);
  }
  return out;
}

export const swarmFailed = (r: SwarmRun) => r.error !== undefined || !r.result?.verdict.ok;
