import { describe, expect, it } from "vitest";
import { MemoryStore } from "../store/memory.ts";
import { fanOut, nodeProposal, resultState } from "../store/testing/proposals.ts";
import { SeededRandom } from "../time/seededRandom.ts";
import { VirtualClock } from "../time/virtualClock.ts";
import { FaultBoard } from "./board.ts";
import { FaultyStore } from "./faultyStore.ts";
import { HubCrashedError } from "./kinds/hubCrash.ts";
import { StoreStepFailedError } from "./kinds/storeFault.ts";

const Q = "00000000-0000-4000-8000-0000000000f5";
const running = nodeProposal(resultState(Q, "site-a", 2, "receivedByNode"));

async function rig() {
  const clock = new VirtualClock(0);
  const board = new FaultBoard(clock);
  const inner = new MemoryStore({ clock });
  const reported: string[] = [];
  const store = new FaultyStore(inner, {
    board,
    clock,
    random: new SeededRandom("store"),
    report: { faulted: (who, what) => reported.push(`${who}: ${what}`) },
  });
  await store.apply(fanOut(Q, ["site-a"]));
  const stored = async () => (await inner.states("result", `${Q}:site-a`)).map((s) => s.itemVersion);
  return { clock, board, inner, store, reported, stored };
}

describe("the hub's store with faults around its store steps", () => {
  it("hands the store's own answer through while no fault is in force", async () => {
    const { store, stored } = await rig();
    expect((await store.apply([running]))[0]?.outcome).toBe("applied");
    expect(await stored()).toEqual([1, 2]);
  });

  it("fails a step of ingest as an aborted transaction: nothing of it stored, the hub's own writes untouched", async () => {
    const { board, store, reported, stored } = await rig();
    board.setStoreFault("fail", { probability: 1 });
    await expect(store.apply([running])).rejects.toThrow(StoreStepFailedError);
    expect(await stored()).toEqual([1]);
    expect(reported).toEqual(["hub: store step failed, its burst given back"]);
    // A timedOut of the overdue poller is the hub's own write: it passes.
    const timedOut = { kind: "result" as const, origin: "hub" as const, state: resultState(Q, "site-a", 2, "timedOut") };
    expect((await store.apply([timedOut]))[0]?.outcome).toBe("applied");
  });

  it("stalls a step for its time on the clock before it begins", async () => {
    const { clock, board, store, stored } = await rig();
    board.setStoreFault("stall", { probability: 1, stallMs: 2_000 });
    const step = store.apply([running]);
    await clock.advance(1_999);
    expect(await stored()).toEqual([1]);
    await clock.advance(1);
    expect((await step)[0]?.outcome).toBe("applied");
    expect(await stored()).toEqual([1, 2]);
  });

  it("commits a step heard late: its states are stored at once, and the hub hears so after its time on the clock", async () => {
    const { clock, board, store, reported, stored } = await rig();
    board.setStoreFault("late", { probability: 1, stallMs: 2_000 });
    let heard = false;
    const step = store.apply([running]).then((applied) => {
      heard = true;
      return applied;
    });
    await clock.advance(1_999);
    expect(await stored()).toEqual([1, 2]);
    expect(heard).toBe(false);
    await clock.advance(1);
    expect((await step)[0]?.outcome).toBe("applied");
    expect(reported).toEqual(["hub: store step heard late"]);
  });

  it("loses the store's wake-ups to its watchers while muted, and gives them again after", async () => {
    const { board, store, reported } = await rig();
    let woken = 0;
    store.watch(() => woken++);
    board.setStoreFault("mute", { probability: 1 });
    await store.apply([running]);
    expect(woken).toBe(0);
    expect(reported).toEqual(["hub: store wake-up lost"]);
    board.setStoreFault("mute", undefined);
    await store.apply([nodeProposal(resultState(Q, "site-a", 3, "running"))]);
    expect(woken).toBeGreaterThan(0);
  });

  it("makes a watch begun while deaf hear nothing until the fault heals, then wakes it once; a watch begun before hears on", async () => {
    const { board, store, reported } = await rig();
    let before = 0;
    store.watch(() => before++);
    board.setStoreFault("deaf", { probability: 1 });
    let deaf = 0;
    store.watch(() => deaf++);
    await store.apply([running]);
    expect([before, deaf]).toEqual([1, 0]);
    expect(reported).toEqual(["hub: store listen held back"]);
    board.setStoreFault("deaf", undefined);
    await new Promise((resolve) => setImmediate(resolve));
    // Woken for what it may have missed, then by every write as any watch.
    expect(deaf).toBe(1);
    await store.apply([nodeProposal(resultState(Q, "site-a", 3, "running"))]);
    expect([before, deaf]).toEqual([2, 2]);
  });

  it("wakes no deaf watch stopped before the fault heals", async () => {
    const { board, store } = await rig();
    board.setStoreFault("deaf", { probability: 1 });
    let deaf = 0;
    const stop = store.watch(() => deaf++);
    stop();
    board.setStoreFault("deaf", undefined);
    await store.apply([running]);
    expect(deaf).toBe(0);
  });

  it("crashes the hub before a step commits, once, storing nothing of it", async () => {
    const { board, store, reported, stored } = await rig();
    board.armHubCrash("beforeCommit", () => reported.push("crash"));
    await expect(store.apply([running])).rejects.toThrow(HubCrashedError);
    expect(await stored()).toEqual([1]);
    expect(await store.apply([running])).toMatchObject([{ outcome: "applied" }]);
    expect(reported).toEqual(["crash"]);
  });

  it("crashes the hub after a step commits and before its answer reaches ingest", async () => {
    const { board, store, stored } = await rig();
    const order: string[] = [];
    const atCrash: Promise<number[]>[] = [];
    board.armHubCrash("afterCommit", () => {
      order.push("crash");
      atCrash.push(stored());
    });
    await store.apply([running]).then(([a]) => order.push(`answered ${a?.outcome}`));
    expect(order).toEqual(["crash", "answered applied"]);
    expect(await atCrash[0]).toEqual([1, 2]);
    expect(board.storeFaulted()).toBe(false);
  });

  it("crashes the hub once a fan-out commits, before its answer reaches the hub, and at no step of ingest", async () => {
    const { board, store, inner } = await rig();
    const Q2 = "00000000-0000-4000-8000-0000000000f6";
    const order: string[] = [];
    const atCrash: Promise<number>[] = [];
    board.armHubCrash("afterFanOut", () => {
      order.push("crash");
      atCrash.push(inner.states("result", `${Q2}:site-a`).then((s) => s.length));
    });
    expect(board.storeFaulted()).toBe(false);
    await store.apply([running]).then(([a]) => order.push(`ingest ${a?.outcome}`));
    await store.apply(fanOut(Q2, ["site-a"])).then((a) => order.push(`fan-out ${a.map((x) => x.outcome).join(" ")}`));
    expect(order).toEqual(["ingest applied", "crash", "fan-out applied applied"]);
    expect(await atCrash[0]).toBe(1);
    expect(board.hubCrashArmed("afterFanOut")).toBe(false);
  });
});
