import { createHash } from "node:crypto";
import { EmbeddedNetwork, type Participant } from "../../cluster/embedded/network.ts";
import type { Hub } from "../../hub/hub.ts";
import { NodeAgent } from "../../node-agent/agent.ts";
import type { CountedResult, NodeObserver } from "../../node-agent/observer.ts";
import { PROFILES } from "../../node-agent/profile.ts";
import type { Config } from "../../shared/config.ts";
import { type Logger, silentLogger } from "../../shared/log.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Transport } from "../../shared/ports/transport.ts";
import { encodeMessage } from "../../shared/protocol/messages.ts";
import type { ResultState } from "../../shared/protocol/items.ts";
import { resultStage } from "../../shared/protocol/status.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import type { ApplyPolicy } from "../../shared/store/step.ts";
import { SeededRandom } from "../../shared/time/seededRandom.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { MemoryTransport } from "../../shared/transport/memory/mod.ts";
import { brokerEntry, createTransport } from "../../shared/transport/mod.ts";
import { type Verdict, checkRun } from "../check/checker.ts";
import { FaultBoard } from "../faults/board.ts";
import { SkewedClock } from "../faults/clock.ts";
import { poisonBody } from "../faults/poison.ts";
import { type TransitFaults, TransitTransport } from "../faults/transit.ts";
import { FaultyTransport } from "../faults/transport.ts";
import { type Fault, type Scenario, healedAt } from "../schema.ts";
import { History, RecordingStore } from "./history.ts";

export type TransportName = Scenario["transport"];

export interface RunOptions {
  seed?: number;
  transport?: TransportName;
  policy?: ApplyPolicy;
  /** Multiplies every time of the scenario: below 1 shortens a real-time run on a real broker. */
  shorten?: number;
  /** Broker name prefix for amqp and nats; unique per run by default. Its topology is deleted after the run. */
  prefix?: string;
  /** Broker URLs for amqp and nats. */
  config?: Config;
  log?: Logger;
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  elapsedMs: number;
  /** When the last fault heals, or the last query is submitted, whichever is later. */
  expectedMs: number;
  queriesDone: number;
  queries: number;
}

export interface DeadLetter {
  at: number;
  reason: string;
}

export interface RunResult {
  scenario: Scenario;
  seed: number;
  transport: TransportName;
  policy: ApplyPolicy;
  verdict: Verdict;
  trace: string;
  history: History;
  queryIds: string[];
  deadLetters: DeadLetter[];
  /** Virtual (memory) or real time the run took, in ms. */
  simulatedMs: number;
}

/** What every agent running as a node counted for each result, keyed by result id. */
export type TruthBook = Map<string, CountedResult[]>;

/**
 * Runs one scenario: the network, the queries at their times, the faults switched on and off
 * at theirs, a reader watching the view, then a healed phase until every query is done, and
 * the checker over the history. On the memory broker the clock is virtual and the run is a
 * function of the seed.
 */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunResult> {
  const seed = options.seed ?? scenario.seed;
  const transport = options.transport ?? scenario.transport;
  const policy = options.policy ?? scenario.policy;
  const scale = options.shorten ?? 1;
  const t = (ms: number) => Math.round(ms * scale);
  const clock: Clock = transport === "memory" ? new VirtualClock() : systemClock;
  const random = new SeededRandom(seed);
  const faultRandom = random.fork("faults");
  const history = new History(clock);
  const board = new FaultBoard(clock);
  const log = options.log ?? silentLogger;
  const start = clock.now();
  const prefix = transport === "memory" ? "qnet" : (options.prefix ?? `scn-${scenario.name.slice(0, 20)}-${start.toString(36)}`);
  const config = options.config;

  const rawConnection = async (label: string, memory: () => Transport): Promise<Transport> => {
    if (transport === "memory") return memory();
    if (!config) throw new Error(`a run on ${transport} needs the broker configuration`);
    return createTransport(
      { ...config, QNET_TRANSPORT: transport, QNET_PREFIX: prefix },
      { clock, random: random.fork(label), log, connectionName: label },
    );
  };
  // The memory broker injects transit faults itself; around a real broker's client a wrapper does.
  const inTransit = (inner: Transport, who: string, label: string): Transport =>
    transport === "memory"
      ? inner
      : new TransitTransport(inner, who, {
          faults: () => board.transit,
          clock,
          random: faultRandom.fork(`transit:${label}`),
          tap: history,
        });
  const wrap = (inner: Transport, who: string, label: string, twin = false) =>
    new FaultyTransport(inTransit(inner, who, label), who, { board, clock, random: faultRandom.fork(label), tap: history, twin });

  const truths: TruthBook = new Map();
  const observer: NodeObserver = { onCounted: (c) => truths.set(c.resultId, [...(truths.get(c.resultId) ?? []), c]) };

  const nodes = scenario.nodes.map((n) => ({
    nodeId: n.nodeId,
    profile:
      n.failureChance === undefined
        ? n.profile
        : { ...PROFILES[n.profile], failure: { ...PROFILES[n.profile].failure, chance: n.failureChance } },
  }));
  const network = await EmbeddedNetwork.start({
    clock,
    random,
    nodes,
    log,
    prefix,
    store: new RecordingStore(new MemoryStore({ clock, policy }), history, clock),
    resultTimeoutMs: t(scenario.resultTimeoutMs),
    heartbeatMs: t(scenario.heartbeatMs),
    timeScale: scenario.timeScale * scale,
    populationSize: scenario.populationSize,
    observer,
    nodeClock: (nodeId) => new SkewedClock(clock, () => board.skewOf(nodeId)),
    connect: async (who: Participant, memory) => {
      const label = who.role === "hub" ? "hub" : `${who.nodeId}:${who.incarnation}`;
      return wrap(await rawConnection(label, memory), who.role === "hub" ? "hub" : who.nodeId, label);
    },
  });

  // Side connections publish as a node (replays, poison) and read the dead letters.
  const sides = new Map<string, Promise<Transport>>();
  const side = (nodeId: string): Promise<Transport> => {
    let c = sides.get(nodeId);
    if (!c) {
      c = rawConnection(
        `side-${nodeId}`,
        () => new MemoryTransport(network.broker, { prefix, user: nodeId === "reader" ? undefined : nodeId }),
      );
      sides.set(nodeId, c);
    }
    return c;
  };
  const deadLetters: DeadLetter[] = [];
  const deadReader = await (await side("reader")).consume({ from: "dead" }, async (d) => {
    deadLetters.push({ at: clock.now() - start, reason: d.deadReason ?? d.headers["x-qnet-reason"] ?? "unknown" });
    await d.ack();
  });

  const queryIds: string[] = [];

  // The reader: every change the view announces, and a poll of every row now and then.
  let watched: Hub | undefined;
  let unwatch = () => {};
  const watch = () => {
    if (watched === network.hub) return;
    unwatch();
    watched = network.hub;
    unwatch = watched.view.onChange((c) => {
      if (c.kind !== "result") return;
      const r = c.state as ResultState;
      history.observe({
        queryId: r.queryId,
        nodeId: r.nodeId,
        stage: resultStage(r.status),
        itemVersion: r.versionInfo.itemVersion,
        status: r.status,
        count: r.count ?? null,
      });
    });
  };
  watch();
  const queriesDone = () => queryIds.filter((id) => isSettled(network.hub.view.get(id)?.status)).length;
  const expectedMs = Math.max(t(healedAt(scenario)), ...scenario.queries.map((q) => t(q.at)));
  const pollMs = t(1_000);
  let polling = true;
  const poll = () => {
    if (!polling) return;
    watch();
    for (const id of queryIds) {
      for (const row of network.hub.view.get(id)?.nodes ?? []) {
        history.observe({
          queryId: id,
          nodeId: row.nodeId,
          stage: row.stage,
          itemVersion: row.itemVersion,
          status: row.status,
          count: row.count,
        });
      }
    }
    options.onProgress?.({ elapsedMs: clock.now() - start, expectedMs, queriesDone: queriesDone(), queries: scenario.queries.length });
    clock.setTimeout(poll, pollMs);
  };
  clock.setTimeout(poll, pollMs);

  const pending: Promise<unknown>[] = [];
  const later = (atMs: number, action: () => unknown) =>
    clock.setTimeout(() => {
      const p = Promise.resolve(action()).catch((err) => log.error({ err: String(err) }, "scenario action failed"));
      pending.push(p);
    }, atMs);

  for (const q of scenario.queries) {
    later(t(q.at), async () => {
      queryIds.push(await network.hub.desk.submit({ definition: q.definition, researcherId: "scenario" }));
    });
  }

  const transitFaults: TransitFaults[] = [];
  const applyTransitFaults = () => {
    const { latency, duplicate, reorder }: TransitFaults = Object.assign({}, ...transitFaults);
    if (transport !== "memory") board.transit = { latency, duplicate, reorder };
    else if (transitFaults.length === 0) network.broker.faults.setAll(undefined);
    else
      network.broker.faults.setAll({
        ...(latency && { delay: latency }),
        ...(duplicate && { duplicate }),
        ...(reorder && { reorder }),
      });
  };
  const twins = new Map<string, { agent: NodeAgent; transport: Transport }>();

  const schedule = (f: Fault) => {
    const from = t(f.at);
    const to = t(f.at + f.for);
    const mark = (label: string, nodeId?: string) => history.faults.push({ label, nodeId, from, to });
    switch (f.kind) {
      case "latency":
      case "duplicate":
      case "reorder": {
        const entry: TransitFaults =
          f.kind === "latency"
            ? { latency: { baseMs: t(f.baseMs), jitterMs: t(f.jitterMs) } }
            : f.kind === "duplicate"
              ? { duplicate: { probability: f.probability, maxLagMs: Math.max(1, t(f.maxLagMs)) } }
              : { reorder: { probability: f.probability, windowMs: Math.max(1, t(f.windowMs)) } };
        mark(f.kind);
        later(from, () => {
          transitFaults.push(entry);
          applyTransitFaults();
        });
        later(to, () => {
          transitFaults.splice(transitFaults.indexOf(entry), 1);
          applyTransitFaults();
        });
        return;
      }
      case "dropBeforeAck":
      case "ackDelay":
      case "nackStorm": {
        mark(`${f.kind} at ${f.target}`, f.target === "hub" || f.target === "nodes" ? undefined : f.target);
        const value =
          f.kind === "dropBeforeAck"
            ? { probability: f.probability, ackWaitMs: t(f.ackWaitMs) }
            : f.kind === "ackDelay"
              ? { probability: f.probability, delayMs: t(f.delayMs), ackWaitMs: t(f.ackWaitMs) }
              : { probability: f.probability };
        later(from, () => board.setConsumerFault(f.target, f.kind, value as never));
        later(to, () => board.setConsumerFault(f.target, f.kind, undefined));
        return;
      }
      case "staleReplay":
      case "poison": {
        mark(f.kind);
        for (let i = 0; i < f.count; i++) {
          later(from + faultRandom.int(0, Math.max(0, to - from)), async () => {
            if (f.kind === "poison") {
              const nodeId = faultRandom.pick(scenario.nodes).nodeId;
              const body = poisonBody(faultRandom, nodeId, queryIds[0]);
              await (await side(nodeId)).publish({ to: "hub", kind: "result", nodeId }, body, { messageId: faultRandom.uuid() });
              return;
            }
            const earlier = history.updates.slice(0, Math.ceil(history.updates.length / 2));
            if (earlier.length === 0) return;
            const old = faultRandom.pick(earlier);
            const body = encodeMessage({
              type: "result-update",
              messageId: old.messageId,
              sentAt: new Date(clock.now()).toISOString(),
              nodeId: old.nodeId,
              result: old.result,
            });
            history.faulted(old.nodeId, "stale update replayed");
            await (await side(old.nodeId)).publish({ to: "hub", kind: "result", nodeId: old.nodeId }, body, { messageId: old.messageId });
          });
        }
        return;
      }
      case "nodeCrash":
        mark(f.loseState ? "crash, state lost" : "crash", f.nodeId);
        later(from, async () => {
          await network.crashNode(f.nodeId);
        });
        later(to, async () => {
          if (!network.agents.has(f.nodeId)) await network.startNode(f.nodeId, { loseState: f.loseState });
        });
        return;
      case "hubCrash":
        mark("hub down");
        later(from, () => board.partition("hub", ["consume"]));
        later(to, async () => {
          // Heal first, in the same turn as the crash closes the connection: the deliveries the
          // old hub held then die with it instead of keeping its shutdown waiting.
          board.heal("hub");
          await network.restartHub();
          watch();
        });
        return;
      case "twin": {
        mark("twin agent", f.nodeId);
        const spec = nodes.find((n) => n.nodeId === f.nodeId);
        later(from, async () => {
          if (!spec || twins.has(f.nodeId)) return;
          const label = `twin-${f.nodeId}`;
          const tt = wrap(
            await rawConnection(label, () => new MemoryTransport(network.broker, { prefix, user: f.nodeId })),
            f.nodeId,
            label,
            true,
          );
          const agent = new NodeAgent({
            nodeId: f.nodeId,
            transport: tt,
            clock: new SkewedClock(clock, () => board.skewOf(f.nodeId)),
            random: random.fork(label),
            profile: spec.profile,
            seed: f.nodeId,
            populationSize: scenario.populationSize,
            heartbeatMs: 0,
            timeScale: scenario.timeScale * scale,
            observer,
          });
          await agent.start();
          twins.set(f.nodeId, { agent, transport: tt });
        });
        later(to, async () => {
          const twin = twins.get(f.nodeId);
          if (!twin) return;
          twins.delete(f.nodeId);
          await twin.agent.stop();
          await twin.transport.close();
        });
        return;
      }
      case "partition":
        mark(`partition (${f.direction})`, f.nodeId);
        later(from, () => board.partition(f.nodeId, f.direction === "both" ? ["publish", "consume"] : [f.direction]));
        later(to, () => board.heal(f.nodeId));
        return;
      case "clockSkew":
        mark(`clock ${f.offsetMs > 0 ? "+" : ""}${f.offsetMs} ms`, f.nodeId);
        later(from, () => board.setSkew(f.nodeId, f.offsetMs));
        later(to, () => board.setSkew(f.nodeId, 0));
        return;
    }
  };
  for (const f of scenario.faults) schedule(f);

  const finished = () =>
    clock.now() - start >= expectedMs &&
    queryIds.length === scenario.queries.length &&
    queriesDone() === queryIds.length &&
    twins.size === 0;
  const drainMs = t(30_000);
  if (clock instanceof VirtualClock) {
    await clock.runWhile(() => !finished(), scenario.limitMs);
    await clock.advance(drainMs);
  } else {
    const deadline = start + t(scenario.limitMs);
    while (!finished() && clock.now() < deadline) await clock.sleep(50);
    await clock.sleep(Math.min(drainMs, 3_000));
  }
  polling = false;
  await Promise.allSettled(pending);

  const verdict = await checkRun({
    scenario,
    history,
    store: network.store,
    view: network.hub.view,
    truths,
    queryIds,
    nodeIds: scenario.nodes.map((n) => n.nodeId),
  });
  const simulatedMs = clock.now() - start;

  await deadReader.stop();
  for (const twin of twins.values()) await twin.agent.stop();
  await network.stop();
  for (const c of sides.values()) await (await c).close();
  if (transport !== "memory" && config)
    await removeTopology(
      transport,
      config,
      prefix,
      scenario.nodes.map((n) => n.nodeId),
    );

  return {
    scenario,
    seed,
    transport,
    policy,
    verdict,
    trace: traceOf(history, start),
    history,
    queryIds,
    deadLetters,
    simulatedMs,
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

async function removeTopology(transport: TransportName, config: Config, prefix: string, nodeIds: string[]): Promise<void> {
  try {
    await brokerEntry(transport).deletePrefix(config, prefix, nodeIds);
  } catch {
    // Leftover test topology under a unique prefix harms no one.
  }
}
