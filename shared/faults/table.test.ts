import { describe, expect, it } from "vitest";
import type { Transport } from "../ports/transport.ts";
import { SeededRandom } from "../time/seededRandom.ts";
import { VirtualClock } from "../time/virtualClock.ts";
import { FaultBoard } from "./board.ts";
import type { FaultedNetwork } from "./kind.ts";
import { FAULT_KINDS, type Fault, FaultSchema, faultKind } from "./table.ts";

/** One fault of every kind, as a scenario file writes it. */
const ONE_OF_EACH: Record<string, Record<string, unknown>> = {
  latency: { baseMs: 100, jitterMs: 50 },
  duplicate: { probability: 0.5 },
  reorder: { probability: 0.5, windowMs: 300 },
  dropBeforeAck: { target: "hub", probability: 0.2 },
  ackDelay: { target: "nodes", probability: 0.2, delayMs: 500 },
  nackStorm: { target: "site-a", probability: 0.3 },
  staleReplay: { count: 3 },
  nodeCrash: { nodeId: "site-a" },
  hubCrash: {},
  twin: { nodeId: "site-a" },
  partition: { nodeId: "site-a", direction: "publish" },
  clockSkew: { nodeId: "site-a", offsetMs: -60_000 },
  poison: { count: 2 },
  ledgerLoss: { nodeId: "site-a" },
  deadLetterReplay: {},
  storeFault: { effect: "stall", probability: 0.5 },
  replicaCrash: { replica: 1 },
  brokerAlarm: { target: "hub" },
  queueFull: { nodeId: "site-a" },
};

/** A network that only keeps a board and records what the faults ask of it. */
function fakeNetwork() {
  const asked: string[] = [];
  const clock = new VirtualClock();
  const network: FaultedNetwork = {
    board: new FaultBoard(clock),
    random: new SeededRandom(1),
    clock,
    ms: (x) => x,
    faulted: (who, what) => asked.push(`${who}: ${what}`),
    nodeIds: ["site-a"],
    running: () => false,
    crashNode: async (id) => void asked.push(`crash ${id}`),
    startNode: async (id, o) => void asked.push(`start ${id}${o.loseState ? " empty" : ""}`),
    restartHub: async () => void asked.push("restart hub"),
    replicas: 2,
    crashReplica: async (i) => void asked.push(`crash replica ${i}`),
    stopReplica: async (i) => void asked.push(`stop replica ${i}`),
    startReplica: async (i) => void asked.push(`start replica ${i}`),
    startTwin: async (id, o) => void asked.push(`twin ${id}${o.ownSeed ? " own seed" : ""}`),
    stopTwin: async (id) => void asked.push(`no twin ${id}`),
    connectionAs: async () => ({}) as Transport,
    operatorConnection: async () => ({}) as Transport,
    sharedUserConnection: async () => ({}) as Transport,
    nodeUsers: true,
    publishedUpdates: [],
    publishedRunQueries: [],
    deadLetters: [],
    knownQueryId: () => undefined,
    forged: (id) => void asked.push(`forged ${id}`),
  };
  return { network, asked };
}

const parse = (kind: string) => FaultSchema.parse({ kind, at: 0, for: 1_000, ...ONE_OF_EACH[kind] });

/** The module of a fault in force for a window. */
function windowKind(f: Fault) {
  const kind = faultKind(f.kind);
  if ("inject" in kind) throw new Error(`${f.kind} is a burst`);
  return kind;
}

describe("the fault table", () => {
  it("has one module per kind, each named once, each saying what it counts", () => {
    expect(new Set(FAULT_KINDS).size).toBe(FAULT_KINDS.length);
    expect([...FAULT_KINDS].sort()).toEqual(Object.keys(ONE_OF_EACH).sort());
    for (const kind of FAULT_KINDS) expect(faultKind(kind).counts.length).toBeGreaterThan(0);
  });

  it("reads a fault of every kind as scenario files write it, with its defaults, and refuses an unknown kind", () => {
    for (const kind of FAULT_KINDS) expect(parse(kind).kind).toBe(kind);
    expect(parse("duplicate")).toMatchObject({ maxLagMs: 2_000 });
    expect(parse("dropBeforeAck")).toMatchObject({ ackWaitMs: 1_000 });
    expect(parse("nodeCrash")).toMatchObject({ loseState: false });
    expect(FaultSchema.safeParse({ kind: "meteor", at: 0, for: 1 }).success).toBe(false);
    expect(FaultSchema.safeParse({ kind: "latency", at: 0, for: 1, baseMs: 1, extra: 1 }).success).toBe(false);
  });

  it("leaves the board as it found it once every window fault is installed and removed again", async () => {
    const { network, asked } = fakeNetwork();
    const { board } = network;
    const windows = FAULT_KINDS.map(parse).filter((f) => !("inject" in faultKind(f.kind)));
    for (const f of windows) await windowKind(f).install(f, network);
    expect(board.transit).toEqual({
      latency: { baseMs: 100, jitterMs: 50 },
      duplicate: { probability: 0.5, maxLagMs: 2_000 },
      reorder: { probability: 0.5, windowMs: 300 },
    });
    expect(board.consumerFaults("hub")).toEqual({ dropBeforeAck: { probability: 0.2, ackWaitMs: 1_000 } });
    expect(board.consumerFaults("site-a")).toMatchObject({ ackDelay: { delayMs: 500 }, nackStorm: { probability: 0.3 } });
    expect([board.partitioned("site-a", "publish"), board.partitioned("site-a", "consume"), board.partitioned("hub", "consume")]).toEqual([
      true,
      false,
      true,
    ]);
    expect(board.skewOf("site-a")).toBe(-60_000);
    expect(board.storeFaults).toEqual({ stall: { probability: 0.5, stallMs: 2_000 } });
    expect([board.publishBlocked("hub"), board.publishBlocked("site-a")]).toEqual([true, false]);

    for (const f of windows) await windowKind(f).remove(f, network);
    expect(board.transit).toEqual({});
    expect(board.consumerFaults("hub")).toEqual({});
    expect(board.consumerFaults("site-a")).toEqual({});
    expect([board.partitioned("site-a", "publish"), board.partitioned("hub", "consume")]).toEqual([false, false]);
    expect(board.skewOf("site-a")).toBe(0);
    expect(board.storeFaults).toEqual({});
    expect(board.storeFaulted()).toBe(false);
    expect(board.publishBlocked("hub")).toBe(false);
    expect(asked).toEqual([
      "site-a: crashed",
      "crash site-a",
      "hub: down",
      "twin site-a",
      "site-a: clock set off",
      "hub-1: crashed",
      "crash replica 1",
      "site-a: restarted",
      "start site-a",
      "hub: restarted",
      "restart hub",
      "no twin site-a",
      "site-a: restarted with its state lost",
      "start site-a empty",
      "hub-1: restarted",
      "start replica 1",
    ]);
  });
});
