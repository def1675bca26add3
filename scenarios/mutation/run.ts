// The test command of `npm run mutate`: the scenario library and a fixed small swarm in one
// process, stopping at the first run the checker fails. A mutant is killed by the first scenario
// that notices it, so the scenarios that reach the most rules go first; a process per scenario
// would cost more than the runs. Never the unit tests: the score measures the scenario suite.
import { LIBRARY } from "../library/index.ts";
import { runScenario } from "../run/runner.ts";
import { STORE_ENGINES, type StoreEngine } from "../run/store.ts";
import type { Scenario } from "../schema.ts";
import { swarmScenario } from "../swarm.ts";

/** Run first: between them they fire every rule, so most mutants die in the first seconds. */
const FIRST = ["everything-at-once", "ledger-loss", "timeouts", "twin-counts", "resend-new-ids", "hub-crash-commit", "store-faults"];
const SWARM_SEEDS = [1, 2, 3];

/** The library, the scenarios of FIRST first, then the swarm's fixed seeds. */
function mutationRuns(): Scenario[] {
  const rank = (s: Scenario) => (FIRST.includes(s.name) ? FIRST.indexOf(s.name) : FIRST.length);
  return [...[...LIBRARY].sort((a, b) => rank(a) - rank(b)), ...SWARM_SEEDS.map(swarmScenario)];
}

function fromEnv(): { store: StoreEngine; only?: Set<string>; timing: boolean } {
  const store = (process.env.QNET_MUTATE_STORE ?? "memory") as StoreEngine;
  if (!STORE_ENGINES.includes(store)) throw new Error(`QNET_MUTATE_STORE: "${store}" is not one of ${STORE_ENGINES.join(", ")}`);
  const only = process.env.QNET_MUTATE_SCENARIOS?.split(",").filter(Boolean);
  return { store, only: only?.length ? new Set(only) : undefined, timing: process.env.QNET_MUTATE_TIMING === "1" };
}

async function main(): Promise<number> {
  const { store, only, timing } = fromEnv();
  const runs = mutationRuns().filter((s) => !only || only.has(s.name));
  if (only && runs.length !== only.size)
    throw new Error(`QNET_MUTATE_SCENARIOS: no scenario named ${[...only].filter((n) => !runs.some((s) => s.name === n)).join(", ")}`);
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
