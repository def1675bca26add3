// The test command of `npm run mutate`: scenarios of the library and a fixed small swarm in one
// process, stopping at the first run the checker fails. A mutant is killed by the first scenario
// that notices it, so the scenarios that reach the most rules go first; a process per scenario
// would cost more than the runs. Never the unit tests: the score measures the scenario suite.
import { loadConfig } from "../../shared/config.ts";
import { type Fault, FaultSchema } from "../../shared/faults/mod.ts";
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
/**
 * Run again on PostgreSQL after the runs on PGlite: the SQL engine writes states there by COPY,
 * which PGlite has not, and the run's schema is made and dropped on a server. So the command on
 * PGlite needs a PostgreSQL server at the default DATABASE_URL.
 */
const ON_POSTGRES_TOO = ["hub-crash"];
/** What a run in real time is shortened by, as `npm run scenario` shortens one on a real broker. */
const REAL_TIME_SHORTEN = 0.2;
/**
 * Run last, in real time on NATS and PostgreSQL: its hub replicas beyond the first run in processes
 * of their own, each on its own store client, each consuming a share of the sites' updates, and
 * their views read the store on only when the store wakes them (the feed's polls off). A store
 * whose writes fail to wake the other processes' views (the feed's triggers, LISTEN) leaves a
 * replica showing less than the store holds, and the run fails `ends-in-time` at its limit (a
 * minute in real time; the run takes about 15 s). On the virtual clock the runner wakes the views
 * itself, so only this run reaches the SQL engine's wake-ups.
 */
const WOKEN_ONLY = { name: "replica-races", transport: "nats", limitMs: 300_000 } as const;
/**
 * Added to that run: half the store steps of the first replica's ingest are heard 100 ms (500 before
 * the run is shortened) after they commit. Its view, woken by the commit, reads their rows before
 * the store knows them for its own writes, and reads on from past them: a store that took them
 * again from its own writes would hand its view a state behind its position, which the view's
 * event log refuses, and the view would read no further.
 */
const HEARD_LATE: Fault = { kind: "storeFault", at: 0, for: 30_000, effect: "late", probability: 0.5, stallMs: 500 };
/**
 * Then that run again with, instead, the first replica down from 0.4 s to 1.4 s (2 s to 7 s before
 * the run is shortened), so that another takes the duties' lease and writes each query's `done`,
 * and back with its view deaf until 12 s, past the last store step of the others (about 6 s): its
 * LISTEN takes hold then, when nothing is left to wake it, so a store that did not wake it once
 * listening, for what was committed while it was not, leaves it showing less than the store holds
 * at the end. A run of its own: a deaf view reads nothing its own late steps could race.
 */
const RESTARTED_DEAF: Fault[] = [
  { kind: "replicaCrash", at: 2_000, for: 5_000, replica: 0 },
  FaultSchema.parse({ kind: "storeFault", at: 0, for: 60_000, effect: "deaf", probability: 1 }),
];
/**
 * Schema names a SQL store must refuse before it sends a statement, as each is spliced into them:
 * SQL after a valid name, a valid name after SQL, a name PostgreSQL would cut to 63 characters, a
 * digit first.
 */
const HOSTILE_SCHEMAS = ["qnet;drop", "drop;qnet", "q".repeat(64), "1qnet"];
/** What the SQL store says when it refuses a schema name. */
const SCHEMA_REFUSED = "invalid store schema";

interface MutationRun {
  scenario: Scenario;
  store: StoreEngine;
  /** A real broker, for a run in real time; the scenario's own (simulated) otherwise. */
  transport?: string;
  /** The hub replicas' feed polls (RunOptions.feedPollMs): 0 for views moved by wake-ups alone. */
  feedPollMs?: number;
  /** The store's schema, when the run gives one: a hostile name, which the store must refuse. */
  schema?: string;
  /** What sets the run apart from another of the same scenario, store and broker. */
  note?: string;
  /**
   * Whether the checker must pass it (a run of the hub as shipped), fail it (the naive policy) by
   * breaking each of these, or the run must be refused before it starts (a hostile schema name).
   */
  expect: "pass" | { breaks: readonly InvariantName[] } | "refused";
}

function mutationRuns(selection: string | undefined, store: StoreEngine): MutationRun[] {
  const byName = (name: string) => {
    const found = LIBRARY.find((s) => s.name === name);
    if (!found) throw new Error(`QNET_MUTATE_SCENARIOS: no scenario named ${name}`);
    return found;
  };
  const swarm = SWARM_SEEDS.map((seed) => swarmScenario(seed));
  const pass = (scenario: Scenario): MutationRun => ({ scenario, store, expect: "pass" });
  if (selection !== undefined && selection !== "") {
    return selection.split(",").map((name) => pass(swarm.find((s) => s.name === name) ?? byName(name)));
  }
  const rest = LIBRARY.filter((s) => !FIRST.includes(s.name));
  const naive: MutationRun = { scenario: { ...byName(NAIVE_MUST_FAIL), policy: "naive" }, store, expect: { breaks: naiveBreaks(store) } };
  const naiveHubWrites = pass({ ...byName(NAIVE_MUST_PASS), policy: "naive" });
  const runs = [...FIRST.map(byName), ...swarm, ...rest].map(pass).concat(naive, naiveHubWrites);
  if (store === "memory") return runs;
  const refused = HOSTILE_SCHEMAS.map(
    (schema): MutationRun => ({ scenario: byName(FIRST[0] as string), store, schema, expect: "refused" }),
  );
  const woken = byName(WOKEN_ONLY.name);
  const postgres: MutationRun[] =
    store === "pglite"
      ? [
          ...ON_POSTGRES_TOO.map((name): MutationRun => ({ scenario: byName(name), store: "postgres", expect: "pass" })),
          ...[
            { faults: [HEARD_LATE], note: "first replica heard late" },
            { faults: RESTARTED_DEAF, note: "first replica restarted deaf" },
          ].map(
            ({ faults, note }): MutationRun => ({
              scenario: { ...woken, limitMs: WOKEN_ONLY.limitMs, faults: [...woken.faults, ...faults] },
              store: "postgres",
              transport: WOKEN_ONLY.transport,
              feedPollMs: 0,
              note,
              expect: "pass",
            }),
          ),
        ]
      : [];
  return [...refused, ...runs, ...postgres];
}

function fromEnv(): { store: StoreEngine; runs: MutationRun[]; timing: boolean } {
  const store = (process.env.QNET_MUTATE_STORE ?? "memory") as StoreEngine;
  if (!STORE_ENGINES.includes(store)) throw new Error(`QNET_MUTATE_STORE: "${store}" is not one of ${STORE_ENGINES.join(", ")}`);
  return { store, runs: mutationRuns(process.env.QNET_MUTATE_SCENARIOS, store), timing: process.env.QNET_MUTATE_TIMING === "1" };
}

/** The run's scenario, and what sets it apart from the command's other runs. */
function runName({ scenario, store, schema, transport, feedPollMs, note }: MutationRun, commandStore: StoreEngine): string {
  const notes = [
    scenario.policy === "versioned" ? undefined : scenario.policy,
    store === commandStore ? undefined : store,
    transport,
    feedPollMs === 0 ? "views woken only" : undefined,
    schema === undefined ? undefined : `schema ${JSON.stringify(schema)}`,
    note,
  ].filter((note) => note !== undefined);
  return notes.length > 0 ? `${scenario.name} (${notes.join(", ")})` : scenario.name;
}

/** What went the wrong way in the run, or nothing. */
async function judge({ scenario, store, schema, transport, feedPollMs, expect }: MutationRun): Promise<string | undefined> {
  try {
    const result = await runScenario(scenario, {
      store,
      ...(schema !== undefined && { schema }),
      ...(transport !== undefined && { transport, shorten: REAL_TIME_SHORTEN, config: loadConfig() }),
      ...(feedPollMs !== undefined && { feedPollMs }),
    });
    if (expect === "refused") return `ran on a store schema it must refuse`;
    const ce = result.verdict.counterexample;
    if (expect === "pass") return result.verdict.ok ? undefined : `${ce?.invariant ?? "verdict"}: ${ce?.message ?? "failed"}`;
    const kept = expect.breaks.filter((name) => !result.verdict.violations.some((v) => v.invariant === name));
    return kept.length > 0 ? `kept ${kept.join(", ")} under the ${scenario.policy} policy, which must break them` : undefined;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (expect === "refused" && message.startsWith(SCHEMA_REFUSED)) return undefined;
    return `error: ${message}`;
  }
}

async function main(): Promise<number> {
  const { store, runs, timing } = fromEnv();
  let running = "the mutation run";
  failOnStall(() => running);
  for (const run of runs) {
    const name = runName(run, store);
    running = name;
    const started = performance.now();
    const problem = await judge(run);
    if (timing) console.log(`${name} ${(performance.now() - started).toFixed(0)} ms`);
    if (problem) {
      console.log(`${name} FAIL ${problem}`);
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
