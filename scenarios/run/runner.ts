import { createHash } from "node:crypto";
import type { EmbeddedNetwork } from "../../cluster/embedded/network.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { DeliveryHandler } from "../../shared/ports/transport.ts";
import type { DeadLetterCopy } from "../../shared/faults/mod.ts";
import type { ResultState } from "../../shared/protocol/items.ts";
import { type Verdict, checkRun } from "../check/checker.ts";
import type { LivenessRead, QueryPicture } from "../check/evidence.ts";
import { type RuleCounts, ruleCounts } from "../check/rules.ts";
import { type Scenario, healedAt } from "../schema.ts";
import { RunConnections } from "./connections.ts";
import { type RunContext, type RunOptions, runContext } from "./context.ts";
import { gatherEvidence } from "./evidence.ts";
import type { History } from "./history.ts";
import type { ApplyPolicy } from "./policy.ts";
import { faultedNetwork, scenarioStores, startNetwork } from "./network.ts";
import { ViewReader } from "./reader.ts";
import { ChildReplica, type ReplicaProcessRecord } from "./replicaChild.ts";
import type { ReplicaView, RunReplica } from "./replicas.ts";
import { inProcesses, replicaLease, requireSharedStore, runReplicas } from "./replicaSet.ts";
import { Schedule, runUntilDone, scheduleFaults } from "./schedule.ts";
import { type RunStore, type StoreEngine, openRunStore } from "./store.ts";
import { Twins } from "./twins.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { inStoreOrder } from "./storeOrder.ts";

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
  /** Each process a hub replica ran as, outside the runner's (replicas beyond the first, on a real broker). */
  replicaProcesses: ReplicaProcessRecord[];
}

/**
 * Runs one scenario: the network, the queries at their times, the faults of the fault table
 * switched on and off at theirs, a reader watching the view, then a healed phase until every query
 * is done, and the checker over the history. On the memory broker the clock is virtual and the run
 * is a function of the seed, on every store engine alike. What the run's store made is removed after.
 */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunResult> {
  const run = runContext(scenario, options);
  requireSharedStore(run);
  const engine = await openRunStore(run);
  let result: RunResult;
  try {
    result = await runOn(run, engine);
  } catch (err) {
    // What went wrong in the run is the news, not what its cleaning up then finds.
    await engine.dispose().catch(() => undefined);
    throw err;
  }
  await engine.dispose();
  return result;
}

async function runOn(run: RunContext, engine: RunStore): Promise<RunResult> {
  const { scenario } = run;
  const { schema, ofReplica } = engine;
  const connections = new RunConnections(run);
  const children = inProcesses(run);
  const wrapped = scenarioStores(run);
  const network = await startNetwork(run, connections, wrapped(engine.store), {
    ...(ofReplica && { store: () => wrapped(ofReplica()) }),
    hubs: children ? 1 : scenario.hubs,
    lease: replicaLease(run, schema),
  });
  let started: ChildReplica[] = [];
  try {
    const set = runReplicas(run, network, { prefix: connections.prefix, schema });
    started = set.children;
    await set.start();
    return await runWith(run, { network, connections, replicas: set.replicas });
  } catch (err) {
    await network.stop().catch(() => undefined);
    throw err;
  } finally {
    // On every way out, no replica process is left running.
    for (const child of started) await child.kill();
  }
}

async function runWith(
  run: RunContext,
  parts: { network: EmbeddedNetwork; connections: RunConnections; replicas: readonly RunReplica[] },
): Promise<RunResult> {
  const { scenario, options, clock, history, start, time } = run;
  const { network, connections, replicas } = parts;
  connections.attach(network);
  const deadLetters: DeadLetter[] = [];
  const deadReader = await (await connections.side("reader")).consume({ from: "dead" }, collectDeadLetters(deadLetters, clock, start));

  const queryIds: string[] = [];
  // The replicas that run now; while none does, the first one, whose last hub a network of one hub reads.
  const running = () => {
    const up = replicas.filter((r) => r.running());
    return up.length > 0 ? up : replicas.slice(0, 1);
  };
  // With replicas, a query is done when every replica running shows it so.
  const queriesDone = () => queryIds.filter((id) => running().every((r) => isSettled(r.lastView()?.read(id)?.status))).length;
  const expectedMs = Math.max(time(healedAt(scenario)), ...scenario.queries.map((q) => time(q.at)));
  const progress = () => ({ elapsedMs: clock.now() - start, expectedMs, queriesDone: queriesDone(), queries: scenario.queries.length });
  const onPoll = () => options.onProgress?.(progress());
  const readerOf = (view: () => ReplicaView | undefined, replica: number | undefined, poll?: () => void) =>
    new ViewReader({ clock, history, view, replica, queryIds, pollMs: time(1_000), onPoll: poll });
  // One reader of the hub, following it across restarts, or one of each replica, reading nothing while it is down.
  const readers =
    scenario.hubs === 1
      ? [readerOf(() => replicas[0]?.lastView(), undefined, onPoll)]
      : replicas.map((r, i) => readerOf(() => r.view(), i, i === 0 ? onPoll : undefined));
  for (const reader of readers) {
    reader.watch();
    reader.start();
  }

  const schedule = new Schedule(clock, run.log);
  // With replicas, the queries go to the replicas running in turn, as a balancer would send them.
  scenario.queries.forEach((q, k) => {
    schedule.at(time(q.at), async () => {
      const to = running();
      const replica = to[k % to.length] as RunReplica;
      queryIds.push(await replica.submit(q.definition));
    });
  });
  const twins = new Twins(run, connections);
  const faulted = faultedNetwork(run, { network, replicas, connections, queryIds, twins, readers, deadLetters });
  scheduleFaults(scenario.faults, { schedule, network: faulted, history, time });

  const finished = () =>
    clock.now() - start >= expectedMs &&
    queryIds.length === scenario.queries.length &&
    queriesDone() === queryIds.length &&
    twins.size === 0;
  const quiet = () => [...network.agents.values()].every((a) => a.activeQueries() === 0) && history.unsettledUpdates() === 0;
  await runUntilDone(clock, finished, { start, limitMs: scenario.limitMs, time, quiet });
  const unsettledAtLimit = finished() ? undefined : unsettled(queryIds, running());
  for (const reader of readers) reader.stopPolling();
  await schedule.settled();

  const nodeIds = scenario.nodes.map((n) => n.nodeId);
  // Replicas in processes of their own run on while the run reads the store and their reports, and
  // a late state one stored meanwhile would be in one and not the other: every replica stops
  // consuming first. In one process nothing moves while the run reads (on the virtual clock).
  if (replicas.some((r) => r instanceof ChildReplica)) for (const r of replicas) await r.quiesce();
  // Each replica reads the store to its end first: a state stored in the last moment may not have reached every view yet.
  const finals: { replica: number; pictures: QueryPicture[] }[] = [];
  for (const r of replicas) {
    const pictures = await r.final(queryIds);
    if (pictures) finals.push({ replica: r.replica, pictures });
  }
  // Read to the store's end, the views have sent every event and change: their readers have what they show.
  for (const reader of readers) reader.stop();
  const children = replicas.filter((r): r is ChildReplica => r instanceof ChildReplica);
  // What a load balancer asks each replica once the faults healed: in the runner's process only.
  const notReady = children.length > 0 ? undefined : await notReadyReplicas(network);
  const failure = children.find((c) => c.failure)?.failure;
  if (failure) throw failure;
  if (children.length > 0) {
    const killed = children.some((c) => c.processes.some((p) => p.killed));
    await inStoreOrder(history, network.store, queryIds, killed);
  }
  const rules = ruleCounts(history.applied, history.settlements);
  const evidence = await gatherEvidence(run, {
    store: network.store,
    view: network.hub.view,
    replicas: finals,
    queryIds,
    rules,
    ...(children.length === 0 && {
      hubs: network.started.map((s) => s.hub),
      liveness: livenessReads(run, network),
      viewStarts: network.started.map((s) => ({ replica: s.replica, at: s.at, from: s.hub.startedFrom })),
    }),
  });
  const simulatedMs = clock.now() - start;
  await deadReader.stop();
  await twins.stopAll();
  for (const r of replicas) if (r instanceof ChildReplica) await r.stop();
  await network.stop();
  await connections.close(nodeIds);
  const judged = {
    ...evidence,
    ...(notReady && { notReady }),
    ...(unsettledAtLimit && { unsettledAtLimit }),
    ...(children.length > 0 && { decisionsPutInStoreOrder: true as const }),
  };
  const verdict = checkRun(clock instanceof VirtualClock ? { ...judged, leftScheduled: clock.pending() } : judged);
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
    replicaProcesses: children.flatMap((c) => c.processes),
  };
}

/**
 * What each replica running at the end knows of the sites' heartbeats (GET /api/nodes), with the
 * moment from which every heartbeat a site publishes reaches it: its start, or the faults' end if later.
 */
function livenessReads(run: RunContext, network: EmbeddedNetwork): LivenessRead[] {
  const healed = run.start + run.time(healedAt(run.scenario));
  return network.hubs.flatMap((hub, replica) => {
    const start = network.started.findLast((s) => s.replica === replica)?.at;
    if (!hub || start === undefined) return [];
    const sites = hub.liveness
      .nodes()
      .map((n) => ({ nodeId: n.nodeId, lastHeartbeat: n.lastHeartbeat === null ? null : Date.parse(n.lastHeartbeat) }));
    return [{ replica, at: run.clock.now(), since: Math.max(start, healed), heartbeatMs: run.time(run.scenario.heartbeatMs), sites }];
  });
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

/** The replicas running now whose GET /readyz does not answer ready. */
async function notReadyReplicas(network: EmbeddedNetwork): Promise<number[]> {
  const answers = await Promise.all(
    network.hubs.map(async (hub, replica) =>
      hub && (await hub.api.inject({ method: "GET", url: "/readyz" })).statusCode !== 200 ? [replica] : [],
    ),
  );
  return answers.flat();
}

const isSettled = (status: string | undefined) => status === "done" || status === "failed";

/** Each query some of these replicas' views does not show settled, with those replicas. */
function unsettled(queryIds: readonly string[], replicas: readonly RunReplica[]): { queryId: string; replicas: number[] }[] {
  return queryIds.flatMap((queryId) => {
    const behind = replicas.filter((r) => !isSettled(r.lastView()?.read(queryId)?.status)).map((r) => r.replica);
    return behind.length > 0 ? [{ queryId, replicas: behind }] : [];
  });
}

/** A hash over the run's observable history: every decision of the hub's store, in order. */
export function traceOf(history: History, start: number): string {
  const hash = createHash("sha256");
  for (const a of history.applied) {
    const s = a.current as ResultState | undefined;
    hash.update(`${a.at - start}|${a.kind}|${a.id}|${a.outcome}|${a.storedVersion ?? "-"}|${s?.status ?? "-"}|${s?.count ?? "-"}\n`);
  }
  return hash.digest("hex").slice(0, 16);
}
