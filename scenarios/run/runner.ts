import { createHash } from "node:crypto";
import type { Hub } from "../../hub/hub.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Store } from "../../shared/ports/store.ts";
import type { DeliveryHandler } from "../../shared/ports/transport.ts";
import type { DeadLetterCopy } from "../../shared/faults/mod.ts";
import type { ResultState } from "../../shared/protocol/items.ts";
import { type Verdict, checkRun } from "../check/checker.ts";
import { type RuleCounts, ruleCounts } from "../check/rules.ts";
import { type Scenario, healedAt } from "../schema.ts";
import { RunConnections } from "./connections.ts";
import { type RunContext, type RunOptions, runContext } from "./context.ts";
import { gatherEvidence } from "./evidence.ts";
import type { History } from "./history.ts";
import type { ApplyPolicy } from "./policy.ts";
import { faultedNetwork, scenarioStore, startNetwork } from "./network.ts";
import { ViewReader } from "./reader.ts";
import { Schedule, runUntilDone, scheduleFaults } from "./schedule.ts";
import { type StoreEngine, openRunStore } from "./store.ts";
import { Twins } from "./twins.ts";

export type { Progress, RunOptions } from "./context.ts";

/** What reached the dead-letter destination, from the start of the run. */
export type DeadLetter = DeadLetterCopy;

export interface RunResult {
  scenario: Scenario;
  seed: number;
  transport: string;
  policy: ApplyPolicy;
  store: StoreEngine;
  verdict: Verdict;
  /** How often each rule of the protocol fired. */
  rules: RuleCounts;
  trace: string;
  history: History;
  queryIds: string[];
  deadLetters: DeadLetter[];
  /** Virtual (memory) or real time the run took, in ms. */
  simulatedMs: number;
}

/**
 * Runs one scenario: the network, the queries at their times, the faults of the fault table
 * switched on and off at theirs, a reader watching the view, then a healed phase until every query
 * is done, and the checker over the history. On the memory broker the clock is virtual and the run
 * is a function of the seed, on every store engine alike. What the run's store made is removed after.
 */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunResult> {
  const run = runContext(scenario, options);
  const engine = await openRunStore(run);
  try {
    return await runOn(run, engine.store);
  } finally {
    await engine.dispose();
  }
}

async function runOn(run: RunContext, engine: Store): Promise<RunResult> {
  const { scenario, options, clock, history, start, time } = run;
  const connections = new RunConnections(run);
  const network = await startNetwork(run, connections, scenarioStore(run, engine));
  connections.attach(network);
  const deadLetters: DeadLetter[] = [];
  const deadReader = await (await connections.side("reader")).consume({ from: "dead" }, collectDeadLetters(deadLetters, clock, start));

  const queryIds: string[] = [];
  // The replicas that run now; while none does, the first one's last hub, as a network of one hub has.
  const running = () => {
    const up = network.hubs.filter((h): h is Hub => h !== undefined);
    return up.length > 0 ? up : [network.hub];
  };
  // With replicas, a query is done when every replica running shows it so.
  const queriesDone = () => queryIds.filter((id) => running().every((h) => isSettled(h.view.get(id)?.status))).length;
  const expectedMs = Math.max(time(healedAt(scenario)), ...scenario.queries.map((q) => time(q.at)));
  const progress = () => ({ elapsedMs: clock.now() - start, expectedMs, queriesDone: queriesDone(), queries: scenario.queries.length });
  const onPoll = () => options.onProgress?.(progress());
  const readerOf = (hub: () => Hub | undefined, replica: number | undefined, poll?: () => void) =>
    new ViewReader({ clock, history, hub, replica, queryIds, pollMs: time(1_000), onPoll: poll });
  // One reader of the hub, or one of each replica.
  const readers =
    scenario.hubs === 1
      ? [readerOf(() => network.hub, undefined, onPoll)]
      : Array.from({ length: scenario.hubs }, (_, i) => readerOf(() => network.hubs[i], i, i === 0 ? onPoll : undefined));
  for (const reader of readers) {
    reader.watch();
    reader.start();
  }

  const schedule = new Schedule(clock, run.log);
  // With replicas, the queries go to the replicas running in turn, as a balancer would send them.
  scenario.queries.forEach((q, k) => {
    schedule.at(time(q.at), async () => {
      const to = running();
      const hub = to[k % to.length] as Hub;
      queryIds.push(await hub.desk.submit({ definition: q.definition, researcherId: "scenario" }));
    });
  });
  const twins = new Twins(run, connections);
  const faulted = faultedNetwork(run, { network, connections, queryIds, twins, readers, deadLetters });
  scheduleFaults(scenario.faults, { schedule, network: faulted, history, time });

  const finished = () =>
    clock.now() - start >= expectedMs &&
    queryIds.length === scenario.queries.length &&
    queriesDone() === queryIds.length &&
    twins.size === 0;
  await runUntilDone(clock, finished, { start, limitMs: scenario.limitMs, time });
  for (const reader of readers) reader.stop();
  await schedule.settled();

  const nodeIds = scenario.nodes.map((n) => n.nodeId);
  const rules = ruleCounts(history.applied, history.settlements);
  // Each replica reads the store to its end first: a state stored in the last moment may not have reached every view yet.
  for (const h of network.hubs) await h?.feed.catchUp();
  const replicas = network.hubs.flatMap((h, replica) => (h ? [{ replica, view: h.view }] : []));
  const verdict = checkRun(await gatherEvidence(run, { store: network.store, view: network.hub.view, replicas, queryIds, rules }));
  const simulatedMs = clock.now() - start;
  await deadReader.stop();
  await twins.stopAll();
  await network.stop();
  await connections.close(nodeIds);
  const { seed, transport, policy, store } = run;
  return {
    scenario,
    seed,
    transport,
    policy,
    store,
    verdict,
    rules,
    trace: traceOf(history, start),
    history,
    queryIds,
    deadLetters,
    simulatedMs,
  };
}

/** The dead-letter reader's handler: each dead letter with its time, reason, route and body. */
function collectDeadLetters(into: DeadLetter[], clock: Clock, start: number): DeliveryHandler {
  return async (d) => {
    into.push({
      at: clock.now() - start,
      reason: d.deadReason ?? d.headers["x-qnet-reason"] ?? "unknown",
      nodeId: d.routeNodeId,
      body: d.body,
    });
    await d.ack();
  };
}

const isSettled = (status: string | undefined) => status === "done" || status === "failed";

/** A hash over the run's observable history: every decision of the hub's store, in order. */
export function traceOf(history: History, start: number): string {
  const hash = createHash("sha256");
  for (const a of history.applied) {
    const s = a.current as ResultState | undefined;
    hash.update(`${a.at - start}|${a.kind}|${a.id}|${a.outcome}|${a.storedVersion ?? "-"}|${s?.status ?? "-"}|${s?.count ?? "-"}\n`);
  }
  return hash.digest("hex").slice(0, 16);
}
