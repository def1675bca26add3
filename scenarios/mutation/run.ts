// The test command of `npm run mutate`: scenarios of the library and a fixed small swarm in one
// process, stopping at the first run the checker fails. A mutant is killed by the first scenario
// that notices it, so the scenarios that reach the most rules go first; a process per scenario
// would cost more than the runs. Never the unit tests: the score measures the scenario suite.
import { LIBRARY } from "../library/index.ts";
import { runScenario } from "../run/runner.ts";
import { STORE_ENGINES, type StoreEngine } from "../run/store.ts";
import type { Scenario } from "../schema.ts";
import { swarmScenario } from "../swarm.ts";

/**
 * The scenarios a mutant meets, in this order: between them they fire every rule, and together with
 * the swarm they take a third of the library's time. QNET_MUTATE_SCENARIOS=all adds the rest of the
 * library after them (a survivor's second look), or names the scenarios to run.
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
];
const SWARM_SEEDS = [1, 2, 3];

function mutationRuns(selection: string | undefined): Scenario[] {
  const byName = (name: string) => {
    const found = LIBRARY.find((s) => s.name === name);
    if (!found) throw new Error(`QNET_MUTATE_SCENARIOS: no scenario named ${name}`);
    return found;
  };
  const swarm = SWARM_SEEDS.map(swarmScenario);
  if (selection === undefined || selection === "") return [...FIRST.map(byName), ...swarm];
  if (selection === "all") return [...FIRST.map(byName), ...swarm, ...LIBRARY.filter((s) => !FIRST.includes(s.name))];
  return selection.split(",").map((name) => swarm.find((s) => s.name === name) ?? byName(name));
}

function fromEnv(): { store: StoreEngine; runs: Scenario[]; timing: boolean } {
  const store = (process.env.QNET_MUTATE_STORE ?? "memory") as StoreEngine;
  if (!STORE_ENGINES.includes(store)) throw new Error(`QNET_MUTATE_STORE: "${store}" is not one of ${STORE_ENGINES.join(", ")}`);
  return { store, runs: mutationRuns(process.env.QNET_MUTATE_SCENARIOS), timing: process.env.QNET_MUTATE_TIMING === "1" };
}

async function main(): Promise<number> {
  const { store, runs, timing } = fromEnv();
  for (const scenario of runs) {
    const started = performance.now();
    let problem: string | undefined;
    try {
      const result = await runScenario(scenario, { store });
      const ce = result.verdict.counterexample;
      if (!result.verdict.ok) problem = `${ce?.invariant ?? "verdict"}: ${ce?.message ?? "failed"}`;
    } catch (err) {
      problem = `error: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (timing) console.log(`${scenario.name} ${(performance.now() - started).toFixed(0)} ms`);
    if (problem) {
      console.log(`${scenario.name} FAIL ${problem}`);
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
