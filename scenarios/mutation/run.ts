// The test command of `npm run mutate`: scenarios of the library and a fixed small swarm in one
// process, stopping at the first run the checker fails. A mutant is killed by the first scenario
// that notices it, so the scenarios that reach the most rules go first; a process per scenario
// would cost more than the runs. Never the unit tests: the score measures the scenario suite.
import { LIBRARY } from "../library/index.ts";
import { runScenario } from "../run/runner.ts";
import { failOnStall } from "../run/stall.ts";
import { STORE_ENGINES, type StoreEngine } from "../run/store.ts";
import type { InvariantName } from "../check/invariants.ts";
import type { Scenario } from "../schema.ts";
import { swarmScenario } from "../swarm.ts";

/**
 * The scenarios a mutant meets, these first: between them they fire every rule, so most mutants
 * stop here. Then the swarm and the rest of the library (the library takes seconds on an idle
 * machine: a survivor is worth its whole look). QNET_MUTATE_SCENARIOS names the runs instead, to
 * try a mutant by hand.
 */
const FIRST = [
  "everything-at-once",
  "ledger-loss",
  "timeouts",
  "twin-counts",
  "resend-new-ids",
  "hub-crash-commit",
  "store-faults",
  "forgeries",
  "hub-backlog",
];
const SWARM_SEEDS = [1, 2, 3];
/** Run under the naive policy, this scenario must fail: a hub that cannot tell the policies apart, or a naive plan that checks versions after all, passes it. */
const NAIVE_MUST_FAIL = "duplicate-reorder";
/**
 * Run under the naive policy, this scenario must pass all the same: its sites send each state once
 * and in order, so no node proposal meets a stored state, and only the hub's own writes do (two
 * replicas write one query's dispatched at one itemVersion), which the naive plan leaves to steps 2
 * to 4. A naive plan that takes the hub's own writes as they come stores that state twice.
 */
const NAIVE_MUST_PASS = "racing-replicas";
/**
 * What last write by arrival breaks, each of which the naive run must break: the hub decides
 * otherwise than the protocol, views regress, duplicates are stored. A naive plan that breaks
 * instead (stores nothing, throws) fails the run too, but by other invariants. On a SQL engine the
 * primary key (kind, id, item_version) refuses a second state at a version, so the naive plan's
 * burst fails there instead (the store decides it again from the database, then gives up), and no
 * state is stored twice.
 */
function naiveBreaks(store: StoreEngine): readonly InvariantName[] {
  return store === "memory" ? ["model-agrees", "no-regression", "stored-once"] : ["model-agrees", "no-regression"];
}

interface MutationRun {
  scenario: Scenario;
  /** Whether the checker must pass it (a run of the hub as shipped) or fail it (the naive policy) by breaking each of these. */
  expect: "pass" | { breaks: readonly InvariantName[] };
}

function mutationRuns(selection: string | undefined, store: StoreEngine): MutationRun[] {
  const byName = (name: string) => {
    const found = LIBRARY.find((s) => s.name === name);
    if (!found) throw new Error(`QNET_MUTATE_SCENARIOS: no scenario named ${name}`);
    return found;
  };
  const swarm = SWARM_SEEDS.map((seed) => swarmScenario(seed));
  const pass = (scenario: Scenario): MutationRun => ({ scenario, expect: "pass" });
  if (selection !== undefined && selection !== "") {
    return selection.split(",").map((name) => pass(swarm.find((s) => s.name === name) ?? byName(name)));
  }
  const rest = LIBRARY.filter((s) => !FIRST.includes(s.name));
  const naive: MutationRun = { scenario: { ...byName(NAIVE_MUST_FAIL), policy: "naive" }, expect: { breaks: naiveBreaks(store) } };
  const naiveHubWrites = pass({ ...byName(NAIVE_MUST_PASS), policy: "naive" });
  return [...FIRST.map(byName), ...swarm, ...rest].map(pass).concat(naive, naiveHubWrites);
}

function fromEnv(): { store: StoreEngine; runs: MutationRun[]; timing: boolean } {
  const store = (process.env.QNET_MUTATE_STORE ?? "memory") as StoreEngine;
  if (!STORE_ENGINES.includes(store)) throw new Error(`QNET_MUTATE_STORE: "${store}" is not one of ${STORE_ENGINES.join(", ")}`);
  return { store, runs: mutationRuns(process.env.QNET_MUTATE_SCENARIOS, store), timing: process.env.QNET_MUTATE_TIMING === "1" };
}

async function main(): Promise<number> {
  const { store, runs, timing } = fromEnv();
  let running = "the mutation run";
  failOnStall(() => running);
  for (const { scenario, expect } of runs) {
    const label = scenario.policy === "versioned" ? scenario.name : `${scenario.name} (${scenario.policy})`;
    running = label;
    const started = performance.now();
    let problem: string | undefined;
    try {
      const result = await runScenario(scenario, { store });
      const ce = result.verdict.counterexample;
      if (expect === "pass" && !result.verdict.ok) problem = `${ce?.invariant ?? "verdict"}: ${ce?.message ?? "failed"}`;
      if (expect !== "pass") {
        const kept = expect.breaks.filter((name) => !result.verdict.violations.some((v) => v.invariant === name));
        if (kept.length > 0) problem = `kept ${kept.join(", ")} under the ${scenario.policy} policy, which must break them`;
      }
    } catch (err) {
      problem = `error: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (timing) console.log(`${label} ${(performance.now() - started).toFixed(0)} ms`);
    if (problem) {
      console.log(`${label} FAIL ${problem}`);
      return 1;
    }
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
