import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as realPause } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Transport } from "../shared/ports/transport.ts";
import type { QueryDefinition } from "../shared/protocol/definition.ts";
import { decodeMessage, encodeMessage, type NodeHeartbeat, type ResultUpdate, type RunQuery } from "../shared/protocol/messages.ts";
import { isFinal } from "../shared/protocol/status.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { VirtualClock } from "../shared/time/virtualClock.ts";
import { createMemoryBroker, type MemoryBroker, MemoryTransport } from "../shared/transport/memory/mod.ts";
import { type NodeAgent, type NodeAgentOptions, startNodeAgent } from "./agent.ts";
import { evaluate } from "./evaluate.ts";
import { FileLedger, ledgerPath } from "./fileLedger.ts";
import { ObservedSite } from "./testing/observedSite.ts";

const NODE = "hospital-a";
const PREFIX = "agent-test";
const diabetes: QueryDefinition = { panels: [{ concepts: ["dx:E11.9", "dx:E10.9"] }, { concepts: ["rx:metformin"], not: true }] };

/** The hub's side of the broker, reduced to what a test needs to see. */
class HubSide {
  readonly updates: ResultUpdate[] = [];
  readonly heartbeats: NodeHeartbeat[] = [];
  readonly dead: { reason: string | undefined }[] = [];
  readonly transport: MemoryTransport;
  private readonly random = new SeededRandom("hub");

  constructor(broker: MemoryBroker) {
    this.transport = new MemoryTransport(broker, { prefix: PREFIX });
  }

  async start(): Promise<void> {
    await this.transport.declare({ role: "hub", nodeIds: [NODE] });
    await this.transport.consume({ from: "hub" }, async (d) => {
      const decoded = decodeMessage(d.body);
      if (!decoded.ok) throw new Error(decoded.reason);
      if (decoded.message.type === "result-update") this.updates.push(decoded.message);
      if (decoded.message.type === "node-heartbeat") this.heartbeats.push(decoded.message);
      await d.ack();
    });
    await this.transport.consume({ from: "dead" }, async (d) => {
      this.dead.push({ reason: d.deadReason });
      await d.ack();
    });
  }

  runQuery(definition: QueryDefinition, nodeId = NODE): RunQuery {
    const queryId = this.random.uuid();
    const at = "2026-01-01T00:00:00.000Z";
    return {
      type: "run-query",
      messageId: this.random.uuid(),
      sentAt: at,
      query: {
        id: queryId,
        versionInfo: { protocolVersion: 1, itemVersion: 1, createDate: at, changeDate: at },
        researcherId: "r1",
        definition,
        submittedAt: at,
      },
      result: {
        id: `${queryId}:${nodeId}`,
        queryId,
        nodeId,
        status: "sentToNode",
        versionInfo: { protocolVersion: 1, itemVersion: 2, createDate: at, changeDate: at },
      },
    };
  }

  async send(body: Uint8Array | RunQuery, messageId = this.random.uuid()): Promise<void> {
    const bytes = body instanceof Uint8Array ? body : encodeMessage(body);
    await this.transport.publish({ to: "node", nodeId: NODE }, bytes, {
      messageId: body instanceof Uint8Array ? messageId : body.messageId,
    });
  }

  of(queryId: string): ResultUpdate["result"][] {
    return this.updates.filter((u) => u.result.queryId === queryId).map((u) => u.result);
  }

  finalOf(queryId: string): ResultUpdate["result"] | undefined {
    return this.of(queryId).find((r) => isFinal(r.status));
  }
}

/** Advances virtual time in steps, letting real I/O (the file ledger's fsyncs) finish between them. */
async function runUntil(clock: VirtualClock, done: () => boolean, stepMs = 200, maxSteps = 20_000): Promise<void> {
  for (let i = 0; i < maxSteps && !done(); i++) {
    await clock.advance(stepMs);
    await realPause(0);
  }
  expect(done()).toBe(true);
}

let clock: VirtualClock;
let broker: MemoryBroker;
let hub: HubSide;
let agents: NodeAgent[];

beforeEach(async () => {
  clock = new VirtualClock();
  broker = createMemoryBroker({ clock, random: new SeededRandom("broker") });
  hub = new HubSide(broker);
  await hub.start();
  agents = [];
});
afterEach(async () => {
  for (const a of agents) await a.stop();
});

async function agent(overrides: Partial<NodeAgentOptions> = {}): Promise<{ agent: NodeAgent; transport: MemoryTransport }> {
  const transport = new MemoryTransport(broker, { prefix: PREFIX });
  const a = await startNodeAgent({
    nodeId: NODE,
    transport,
    clock,
    random: new SeededRandom("agent"),
    profile: "steady",
    seed: NODE,
    populationSize: 5_000,
    heartbeatMs: 5_000,
    ...overrides,
  });
  agents.push(a);
  return { agent: a, transport };
}

function expectVersionsFrom(results: ResultUpdate["result"][], first: number): void {
  const versions = results.map((r) => r.versionInfo.itemVersion).sort((a, b) => a - b);
  expect(versions).toEqual(versions.map((_, i) => first + i));
}

describe("NodeAgent over the memory transport", () => {
  it("runs a query the same with no observer watching it", async () => {
    await agent();
    const rq = hub.runQuery(diabetes);
    await hub.send(rq);
    await runUntil(clock, () => hub.finalOf(rq.query.id) !== undefined);
    expectVersionsFrom(hub.of(rq.query.id), 3);
  });

  it("answers a run-query with its result's states, then the obfuscated count it tells its observer is true", async () => {
    const observed = new ObservedSite();
    const { agent: a } = await agent({ observer: observed });
    const rq = hub.runQuery(diabetes);
    await hub.send(rq);
    await runUntil(clock, () => hub.finalOf(rq.query.id) !== undefined);

    const states = hub.of(rq.query.id);
    expectVersionsFrom(states, 3);
    expect(states[0]!.status).toBe("receivedByNode");
    expect(states.some((s) => s.status === "running")).toBe(true);
    const final = hub.finalOf(rq.query.id)!;
    const truth = observed.truth(rq.result.id)!;
    expect(truth.trueCount).toBe(evaluate(a.population, diabetes));
    expect(truth.finalStatus).toBe(final.status);
    if (final.status === "completed") {
      expect(final.count).toBe(truth.reportedCount);
      expect(final.obfuscation).toEqual({ binSize: 5, stdDev: 6.5, noiseClamp: 10, lowLimit: 10 });
      expect(Math.abs(final.count! - truth.trueCount) <= 12.5 || final.count === -1).toBe(true);
    }
    expect(observed.lastSent.get(rq.result.id)).toBe(final.status);
    expect(a.counters()).toMatchObject({ runQueriesReceived: 1, updatesSent: states.length, duplicateRunQueries: 0 });
    // Every update's messageId is distinct: each is a different proposal.
    expect(new Set(hub.updates.map((u) => u.messageId)).size).toBe(hub.updates.length);
    expect(hub.updates.every((u) => u.nodeId === NODE)).toBe(true);
  });

  it("acknowledges a repeated run-query without starting its result again", async () => {
    const { agent: a } = await agent();
    const rq = hub.runQuery(diabetes);
    await hub.send(rq);
    await runUntil(clock, () => hub.of(rq.query.id).length >= 2);
    await hub.send(rq);
    await runUntil(clock, () => hub.finalOf(rq.query.id) !== undefined);
    expect(a.counters().duplicateRunQueries).toBe(1);
    expectVersionsFrom(hub.of(rq.query.id), 3);
    expect(broker.queueInfo(`${PREFIX}.node.${NODE}`).ready).toBe(0);
  });

  it("dead-letters what is not a run-query for this node, and goes on working", async () => {
    const { agent: a } = await agent();
    await hub.send(new TextEncoder().encode("not json"));
    const heartbeat: NodeHeartbeat = {
      type: "node-heartbeat",
      messageId: crypto.randomUUID(),
      sentAt: "2026-01-01T00:00:00.000Z",
      nodeId: NODE,
      activeQueries: 0,
    };
    await hub.send(encodeMessage(heartbeat));
    await hub.send(hub.runQuery(diabetes, "hospital-z"));
    const good = hub.runQuery(diabetes);
    await hub.send(good);
    await runUntil(clock, () => hub.dead.length === 3 && hub.finalOf(good.query.id) !== undefined);
    const reasons = hub.dead.map((d) => d.reason ?? "");
    expect(reasons.some((r) => r.includes("not UTF-8 JSON"))).toBe(true);
    expect(reasons.some((r) => r.includes("run-query messages only"))).toBe(true);
    expect(reasons.some((r) => r.includes("hospital-z"))).toBe(true);
    expect(a.counters().deadLettered).toBe(3);
  });

  it("sends heartbeats with its active queries", async () => {
    await agent({ profile: "slow" });
    await hub.send(hub.runQuery(diabetes));
    await runUntil(clock, () => hub.heartbeats.some((h) => h.activeQueries === 1));
    expect(hub.heartbeats.every((h) => h.nodeId === NODE)).toBe(true);
  });

  it("retries a failed publish with the same messageId until the broker takes it", async () => {
    const transport = new MemoryTransport(broker, { prefix: PREFIX });
    let failures = 3;
    const attempts: string[] = [];
    const flaky: Transport = {
      name: "memory",
      declare: (t) => transport.declare(t),
      consume: (s, h, o) => transport.consume(s, h, o),
      connected: () => transport.connected(),
      close: () => transport.close(),
      async publish(route, body, options) {
        if (route.to === "hub" && route.kind === "result") {
          attempts.push(options.messageId);
          if (failures-- > 0) throw new Error("broker unavailable");
        }
        return transport.publish(route, body, options);
      },
    };
    const a = await startNodeAgent({
      nodeId: NODE,
      transport: flaky,
      clock,
      random: new SeededRandom("x"),
      profile: "fast",
      seed: NODE,
      populationSize: 1000,
      heartbeatMs: 0,
    });
    agents.push(a);
    const rq = hub.runQuery(diabetes);
    await hub.send(rq);
    await runUntil(clock, () => hub.finalOf(rq.query.id) !== undefined);
    expect(a.counters().publishRetries).toBe(3);
    expect(new Set(attempts.slice(0, 4)).size).toBe(1);
    expectVersionsFrom(hub.of(rq.query.id), 3);
  });

  describe("with a file ledger", () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), "qnet-agent-"));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("resumes an unfinished result after a restart and continues its versions", async () => {
      const path = ledgerPath(dir, NODE);
      const first = await agent({ profile: "slow", ledger: new FileLedger(path), random: new SeededRandom("first life") });
      const rq = hub.runQuery(diabetes);
      await hub.send(rq);
      await runUntil(clock, () => hub.of(rq.query.id).some((r) => r.status === "running"));
      await first.agent.stop();
      await first.transport.close();
      const before = hub.of(rq.query.id).length;
      expect(hub.finalOf(rq.query.id)).toBeUndefined();

      const observed = new ObservedSite();
      const second = await agent({
        profile: "slow",
        ledger: new FileLedger(path),
        random: new SeededRandom("second life"),
        observer: observed,
      });
      expect(second.agent.counters().resumed).toBe(1);
      await runUntil(clock, () => hub.finalOf(rq.query.id) !== undefined);
      const states = hub.of(rq.query.id);
      expect(states.length).toBeGreaterThan(before);
      // No version is used twice for different states: the second life continued where the first stopped.
      const byVersion = new Map<number, string>();
      for (const s of states) {
        const seen = byVersion.get(s.versionInfo.itemVersion);
        if (seen) expect(JSON.stringify(s)).toBe(seen);
        byVersion.set(s.versionInfo.itemVersion, JSON.stringify(s));
      }
      expect([...byVersion.keys()].sort((a, b) => a - b)).toEqual([...byVersion.keys()].map((_, i) => 3 + i));
      expect(observed.truth(rq.result.id)?.trueCount).toBe(evaluate(second.agent.population, diabetes));

      // A redelivered run-query after the restart is known from the ledger, not started again.
      await hub.send(rq);
      await runUntil(clock, () => second.agent.counters().duplicateRunQueries === 1);
    });
  });
});
