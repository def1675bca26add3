import { EmbeddedNetwork, type Participant } from "../../cluster/embedded/network.ts";
import { PROFILES } from "../../node-agent/profile.ts";
import { type DeadLetterCopy, type FaultedNetwork, FaultyStore, SkewedClock } from "../../shared/faults/mod.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Lease } from "../../shared/ports/lease.ts";
import type { Store } from "../../shared/ports/store.ts";
import type { Scenario } from "../schema.ts";
import type { RunConnections } from "./connections.ts";
import type { RunContext } from "./context.ts";
import { RecordingStore } from "./history.ts";
import type { ViewReader } from "./reader.ts";
import type { RunReplica } from "./replicas.ts";
import { truthObserver } from "./truths.ts";
import type { Twins } from "./twins.ts";

/** The sites of a scenario, each with its latency profile, and the failure chance and obfuscation the scenario gives it. */
export function scenarioNodes(scenario: Scenario) {
  return scenario.nodes.map((n) => ({
    nodeId: n.nodeId,
    profile:
      n.failureChance === undefined
        ? n.profile
        : { ...PROFILES[n.profile], failure: { ...PROFILES[n.profile].failure, chance: n.failureChance } },
    ...(n.obfuscation && { obfuscation: n.obfuscation }),
    ...(n.leaveOut && { leaveOut: n.leaveOut }),
    ...(n.dates && { dates: n.dates }),
  }));
}

/**
 * The hub's stores on the run's engine, each with the store faults around it and every decision it
 * makes written into the history: one stream of store faults for the run, whichever replica's
 * store the burst it strikes goes through.
 */
export function scenarioStores(run: RunContext): (engine: Store) => Store {
  const { board, clock, faultRandom, history } = run;
  const faults = { board, clock, random: faultRandom.fork("store"), report: history };
  return (engine) => new RecordingStore(new FaultyStore(engine, faults), history, clock);
}

/**
 * States and conflict records a run's hub reads from the store at a time. No scenario stores a
 * page at the hub's default, so a view would always read the store on in one page: this few makes
 * every run's feed cross pages, as a hub does that reads on past a long outage.
 */
const RUN_FEED_PAGE = 2;

/** A site's clock: the run's, set off by the skew in force at the node. */
export function siteClock(run: RunContext): (nodeId: string) => Clock {
  return (nodeId) => new SkewedClock(run.clock, () => run.board.skewOf(nodeId));
}

/**
 * The hub and the scenario's sites in this process, each participant on its own connection, with
 * the faults at its ports: every replica of the scenario, or the first `hubs` when the others run
 * elsewhere, with the lease they share, each start of one with a store of its own (`store`) when
 * the engine gives one.
 */
export function startNetwork(
  run: RunContext,
  connections: RunConnections,
  store: Store,
  replicas: { hubs: number; lease: (() => Lease) | undefined; store?: () => Store },
): Promise<EmbeddedNetwork> {
  const { scenario, time } = run;
  return EmbeddedNetwork.start({
    clock: run.clock,
    random: run.random,
    nodes: scenarioNodes(scenario),
    log: run.log,
    prefix: connections.prefix,
    store,
    hubs: replicas.hubs,
    ...(replicas.store && { replicaStore: replicas.store }),
    ...(replicas.lease && { lease: replicas.lease }),
    resultTimeoutMs: time(scenario.resultTimeoutMs),
    heartbeatMs: time(scenario.heartbeatMs),
    ...(scenario.snapshotEvery !== undefined && { snapshotEvery: scenario.snapshotEvery }),
    feedPageSize: RUN_FEED_PAGE,
    ...(run.options.feedPollMs !== undefined && { feedPollMs: run.options.feedPollMs }),
    timeScale: scenario.timeScale * run.scale,
    populationSize: scenario.populationSize,
    observer: truthObserver(run.truths),
    nodeClock: siteClock(run),
    connect: async (who: Participant, memory) => {
      // Replicas share the hub's faults; each has a connection (and a fault stream) of its own.
      const label = who.role === "hub" ? (who.replica === 0 ? "hub" : `hub-${who.replica}`) : `${who.nodeId}:${who.incarnation}`;
      return connections.wrap(await connections.raw(label, memory), who.role === "hub" ? "hub" : who.nodeId, label);
    },
  });
}

/** The running network as the fault table acts on it. */
export function faultedNetwork(
  run: RunContext,
  parts: {
    network: EmbeddedNetwork;
    replicas: readonly RunReplica[];
    connections: RunConnections;
    queryIds: readonly string[];
    twins: Twins;
    readers: readonly ViewReader[];
    deadLetters: readonly DeadLetterCopy[];
  },
): FaultedNetwork {
  const { network, replicas, connections, queryIds, twins, readers, deadLetters } = parts;
  const replicaAt = (replica: number) => {
    const r = replicas[replica];
    if (!r) throw new Error(`no hub replica ${replica} in this run of ${replicas.length}`);
    return r;
  };
  const follow = () => {
    for (const reader of readers) reader.watch();
  };
  const { history } = run;
  return {
    board: run.board,
    random: run.faultRandom,
    clock: run.clock,
    ms: run.time,
    faulted: (who, what) => history.faulted(who, what),
    nodeIds: run.scenario.nodes.map((n) => n.nodeId),
    running: (nodeId) => network.agents.has(nodeId),
    crashNode: async (nodeId) => {
      await network.crashNode(nodeId);
    },
    startNode: async (nodeId, options) => {
      await network.startNode(nodeId, options);
    },
    restartHub: async () => {
      await network.restartHub();
      history.hubStarted();
      follow();
    },
    replicas: run.scenario.hubs,
    crashReplica: async (replica) => {
      await replicaAt(replica).crash();
    },
    stopReplica: async (replica) => {
      await network.stopReplica(replica, () => history.hubStopped());
    },
    startReplica: async (replica) => {
      // Before it starts: a replica consumes from inside its start.
      history.hubStarted();
      await replicaAt(replica).start();
      follow();
    },
    startTwin: (nodeId, options) => twins.start(nodeId, options),
    stopTwin: (nodeId) => twins.stop(nodeId),
    connectionAs: (nodeId) => connections.side(nodeId),
    operatorConnection: () => connections.side("operator"),
    sharedUserConnection: () => connections.side("shared"),
    // A real broker's connections here use the run's one configured user.
    nodeUsers: connections.simulated,
    get publishedUpdates() {
      return history.updates;
    },
    get publishedRunQueries() {
      return history.runQueries;
    },
    deadLetters,
    knownQueryId: () => queryIds[0],
    forged: (messageId) => history.forged(messageId),
  };
}
