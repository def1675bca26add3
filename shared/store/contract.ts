import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type ItemKind, type ItemState, currentOf } from "../apply/precedence.ts";
import { sameState } from "../apply/sameState.ts";
import { resultId } from "../protocol/ids.ts";
import type { ResultState } from "../protocol/items.ts";
import type { ResultStatus } from "../protocol/status.ts";
import type { Applied, ConflictRecord, Proposal, Store, StoredState } from "../ports/store.ts";
import { fanOut, hubProposal as hub, nodeProposal as node, queryState, resultState } from "./testing/proposals.ts";

/** A store made for one test, and how to throw it away. */
export interface StoreSetup {
  /** Not yet opened: the suite opens it. */
  store: Store;
  cleanup(): Promise<void>;
  /** For an engine that persists: a new store over the same data, not yet opened. Absent for memory. */
  reopen?: () => Promise<Store>;
}

export interface ContractOptions {
  /** Runs of each property; lower for engines where a run costs a round trip per batch. */
  propertyRuns?: number;
  /** The engine keeps its record across close and reopen; its setup then provides `reopen`. */
  persists?: boolean;
}

let counter = 0;
/** A fresh query id: tests never share items, even within one store. */
function newQueryId(): string {
  counter++;
  return `00000000-0000-4000-8000-${(process.pid * 1_000_000 + counter).toString(16).padStart(12, "0").slice(-12)}`;
}

/** The same state with its keys, nested ones too, in reverse order. */
function reversedKeys<T>(value: T): T {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const entries = Object.entries(value as Record<string, unknown>).reverse();
  return Object.fromEntries(entries.map(([k, v]) => [k, reversedKeys(v)])) as T;
}

/** What an outcome list says, without the store-assigned seq and time. */
function summary(applied: Applied[]) {
  return applied.map((a) => ({
    outcome: a.outcome,
    reason: a.reason,
    version: a.stored?.itemVersion,
    stored: a.stored?.state,
    current: a.current,
  }));
}

function expectSameState(actual: unknown, expected: unknown): void {
  if (!sameState(actual, expected)) expect(actual).toEqual(expected);
}

async function currentOfItem(store: Store, kind: ItemKind, id: string): Promise<ItemState | undefined> {
  return currentOf(
    kind,
    (await store.states(kind, id)).map((s) => s.state),
  );
}

function expectStoreOrder(states: StoredState[]): void {
  for (let i = 1; i < states.length; i++) expect(states[i]!.seq).toBeGreaterThan(states[i - 1]!.seq);
}

/**
 * The one behaviour every store engine keeps: PROTOCOL.md section 3 through the pure decision,
 * batches equal to one-by-one, store order, history, replay and counts.
 */
export function storeContract(name: string, makeStore: () => Promise<StoreSetup>, options: ContractOptions = {}): void {
  const propertyRuns = options.propertyRuns ?? 100;

  describe(`Store contract: ${name}`, () => {
    const setups: StoreSetup[] = [];
    const opened: Store[] = [];
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close().catch(() => {});
      for (const s of setups.splice(0)) await s.cleanup();
    });

    async function open(): Promise<{ store: Store; setup: StoreSetup }> {
      const setup = await makeStore();
      setups.push(setup);
      await setup.store.open();
      await setup.store.open(); // idempotent
      opened.push(setup.store);
      return { store: setup.store, setup };
    }

    it("applies the hub's fan-out and a node's next state, each becoming current", async () => {
      const { store } = await open();
      const q = newQueryId();
      const fan = await store.apply(fanOut(q, ["node-a", "node-b"]));
      expect(fan.map((a) => a.outcome)).toEqual(["applied", "applied", "applied"]);
      for (const a of fan) {
        expect(a.stored?.outcome).toBe("applied");
        expect(a.stored?.itemVersion).toBe(1);
        expectSameState(a.current, a.stored?.state);
      }
      expect(fan[0]!.stored).toMatchObject({ kind: "query", id: q, queryId: q, messageId: null });
      expect(fan[1]!.stored).toMatchObject({ kind: "result", id: resultId(q, "node-a"), queryId: q });

      const received = resultState(q, "node-a", 2, "receivedByNode");
      const [a] = await store.apply([node(received, "m-1")]);
      expect(a!.outcome).toBe("applied");
      expect(a!.stored).toMatchObject({ itemVersion: 2, outcome: "applied", messageId: "m-1", queryId: q });
      expect(typeof a!.stored?.storedAt).toBe("string");
      expect(Number.isNaN(Date.parse(a!.stored!.storedAt))).toBe(false);
      expectSameState(a!.current, received);
      expect((await store.states("result", resultId(q, "node-a"))).map((s) => s.itemVersion)).toEqual([1, 2]);
    });

    it("stores a state that arrives after a newer one as applied-late, the newer one staying current", async () => {
      const { store } = await open();
      const q = newQueryId();
      await store.apply(fanOut(q, ["node-a"]));
      const running = resultState(q, "node-a", 3, "running", { progress: 0.5 });
      await store.apply([node(running)]);
      const [late] = await store.apply([node(resultState(q, "node-a", 2, "receivedByNode"))]);
      expect(late!.outcome).toBe("applied-late");
      expect(late!.stored).toMatchObject({ itemVersion: 2, outcome: "applied-late" });
      expectSameState(late!.current, running);
      expectSameState(await currentOfItem(store, "result", resultId(q, "node-a")), running);
    });

    it("takes the same state again, in any key order, as a duplicate and writes nothing", async () => {
      const { store } = await open();
      const q = newQueryId();
      await store.apply(fanOut(q, ["node-a"]));
      const running = resultState(q, "node-a", 2, "running", { progress: 0.25 });
      await store.apply([node(running, "m-1")]);
      const before = await store.counts();
      const again = await store.apply([node(running, "m-1"), node(reversedKeys(running), "m-2"), hub("result", { ...running })]);
      expect(again.map((a) => a.outcome)).toEqual(["duplicate", "duplicate", "duplicate"]);
      for (const a of again) {
        expect(a.stored).toBeUndefined();
        expectSameState(a.current, running);
      }
      expect(await store.counts()).toEqual(before);
      expect(await store.states("result", resultId(q, "node-a"))).toHaveLength(2);
    });

    it("rebases a different state at a taken version to max+1 when it is of a higher stage, logging the conflict", async () => {
      const { store } = await open();
      const q = newQueryId();
      await store.apply(fanOut(q, ["node-a"]));
      const received = resultState(q, "node-a", 2, "receivedByNode");
      const running = resultState(q, "node-a", 3, "running", { progress: 0.1 });
      await store.apply([node(received), node(running)]);
      const completed = resultState(q, "node-a", 2, "completed", { count: 42 });
      const [a] = await store.apply([node(completed, "m-done")]);
      expect(a!.outcome).toBe("conflict-rebased");
      expect(a!.stored).toMatchObject({ itemVersion: 4, outcome: "conflict-rebased", messageId: "m-done" });
      expect(a!.stored!.state.versionInfo.itemVersion).toBe(4);
      expectSameState(a!.stored!.state, { ...completed, versionInfo: { ...completed.versionInfo, itemVersion: 4 } });
      expectSameState(a!.current, a!.stored!.state);

      const { conflicts } = await store.history(q);
      expect(conflicts).toHaveLength(1);
      const c = conflicts[0]!;
      expect(c).toMatchObject({
        kind: "result",
        id: resultId(q, "node-a"),
        queryId: q,
        itemVersion: 2,
        resolution: "rebased",
        rebasedTo: 4,
        messageId: "m-done",
      });
      expectSameState(c.proposed, completed);
      expectSameState(c.collidedWith, received);
      expect(await store.counts()).toMatchObject({ conflicts: 1 });
    });

    it("discards a different state at a taken version when it is not of a higher stage, logging the conflict", async () => {
      const { store } = await open();
      const q = newQueryId();
      await store.apply(fanOut(q, ["node-a"]));
      const received = resultState(q, "node-a", 2, "receivedByNode");
      const completed = resultState(q, "node-a", 3, "completed", { count: 7 });
      await store.apply([node(received), node(completed)]);
      const before = await store.counts();
      const running = resultState(q, "node-a", 2, "running", { progress: 0.9 });
      const [a] = await store.apply([node(running)]);
      expect(a!.outcome).toBe("conflict-discarded");
      expect(a!.stored).toBeUndefined();
      expectSameState(a!.current, completed);
      const after = await store.counts();
      expect(after).toEqual({ states: before.states, conflicts: before.conflicts + 1 });
      const { conflicts } = await store.history(q);
      expect(conflicts).toHaveLength(1);
      expect(conflicts[0]).toMatchObject({ resolution: "discarded", rebasedTo: null, itemVersion: 2, messageId: null });
      expectSameState(conflicts[0]!.proposed, running);
      expectSameState(conflicts[0]!.collidedWith, received);
    });

    it("takes two completed states that differ in one breakdown cell as a conflict, and the same breakdowns in any key order as a duplicate", async () => {
      const { store } = await open();
      const q = newQueryId();
      await store.apply(fanOut(q, ["node-a"]));
      const breakdowns = {
        sex: { female: 65, male: 55 },
        vitalStatus: { living: 110, deceased: -1, notRecorded: -1 },
      };
      const completed = resultState(q, "node-a", 2, "completed", { count: 120, breakdowns });
      const [first] = await store.apply([node(completed, "m-1")]);
      expect(first!.outcome).toBe("applied");
      const before = await store.counts();

      const [again] = await store.apply([node(reversedKeys(completed), "m-2")]);
      expect(again!.outcome).toBe("duplicate");
      expect(await store.counts()).toEqual(before);

      const oneCellOff = resultState(q, "node-a", 2, "completed", {
        count: 120,
        breakdowns: { ...breakdowns, sex: { female: 60, male: 55 } },
      });
      const [other] = await store.apply([node(oneCellOff, "m-3")]);
      expect(other!.outcome).toBe("conflict-discarded");
      expectSameState(other!.current, completed);
      expect(await store.counts()).toEqual({ states: before.states, conflicts: before.conflicts + 1 });
      const { conflicts } = await store.history(q);
      expect(conflicts).toHaveLength(1);
      expect(conflicts[0]).toMatchObject({ itemVersion: 2, resolution: "discarded", rebasedTo: null, messageId: "m-3" });
      expectSameState(conflicts[0]!.proposed, oneCellOff);
      expectSameState(conflicts[0]!.collidedWith, completed);
      const stored = await store.states("result", resultId(q, "node-a"));
      expectSameState(stored.at(-1)?.state, completed);
    });

    it("rejects a node's result for an unknown query, writing nothing", async () => {
      const { store } = await open();
      const q = newQueryId();
      const [a] = await store.apply([node(resultState(q, "node-a", 2, "running"))]);
      expect(a).toEqual({ outcome: "rejected", reason: `unknown query ${q}` });
      expect(await store.counts()).toEqual({ states: 0, conflicts: 0 });
    });

    it("rejects a node's result for a query not sent to that node, writing nothing", async () => {
      const { store } = await open();
      const q = newQueryId();
      await store.apply(fanOut(q, ["node-a"]));
      const before = await store.counts();
      const [a] = await store.apply([node(resultState(q, "node-z", 2, "completed", { count: 3 }))]);
      expect(a).toEqual({ outcome: "rejected", reason: `query ${q} was not sent to node node-z` });
      expect(await store.counts()).toEqual(before);
      expect(await store.states("result", resultId(q, "node-z"))).toEqual([]);
    });

    it("never rejects the hub's own writes: the hub creates results", async () => {
      const { store } = await open();
      const q = newQueryId();
      const [a] = await store.apply([hub("result", resultState(q, "node-a", 1, "created"))]);
      expect(a!.outcome).toBe("applied");
      await store.apply([hub("query", queryState(q, 1, "created", ["node-a"]))]);
      const [t] = await store.apply([hub("result", resultState(q, "node-a", 2, "timedOut"))]);
      expect(t!.outcome).toBe("applied");
      // A late completed still wins over the hub's timedOut.
      const done = resultState(q, "node-a", 2, "completed", { count: 1 });
      const [c] = await store.apply([node(done)]);
      expect(c!.outcome).toBe("conflict-rebased");
      expect(c!.current).toMatchObject({ status: "completed" });
    });

    it("applies a batch exactly as one by one, several proposals of one item and a conflict inside it", async () => {
      const one = await open();
      const batch = await open();
      const q = newQueryId();
      const a = resultState(q, "node-a", 2, "receivedByNode");
      const proposals: Proposal[] = [
        node(resultState(q, "node-a", 2, "running")), // unknown query yet: rejected
        ...fanOut(q, ["node-a", "node-b"]),
        node(resultState(q, "node-a", 3, "running", { progress: 0.5 })),
        node(a),
        node(reversedKeys(a)), // duplicate within the batch
        node(resultState(q, "node-a", 2, "completed", { count: 9 })), // conflict, rebased to 4
        node(resultState(q, "node-a", 3, "queuedAtNode")), // conflict, discarded
        node(resultState(q, "node-c", 2, "running")), // not sent
        node(resultState(q, "node-b", 4, "failed", { statusMessage: "disk" })),
        node(resultState(q, "node-b", 2, "receivedByNode")), // late
        hub("query", queryState(q, 2, "dispatched", ["node-a", "node-b"])),
        hub("query", queryState(q, 2, "done", ["node-a", "node-b"])), // conflict, rebased to 3
      ];
      const byOne: Applied[] = [];
      for (const p of proposals) byOne.push(...(await one.store.apply([p])));
      const together = await batch.store.apply(proposals);
      expect(summary(together)).toEqual(summary(byOne));
      expect(together.map((x) => x.outcome)).toEqual([
        "rejected",
        "applied",
        "applied",
        "applied",
        "applied",
        "applied-late",
        "duplicate",
        "conflict-rebased",
        "conflict-discarded",
        "rejected",
        "applied",
        "applied-late",
        "applied",
        "conflict-rebased",
      ]);
      expect(together[7]!.stored?.itemVersion).toBe(4);
      expect(together[13]!.stored?.itemVersion).toBe(3);
      expectStoreOrder(together.flatMap((x) => (x.stored ? [x.stored] : [])));
      expect(await batch.store.counts()).toEqual(await one.store.counts());
      const h1 = await one.store.history(q);
      const h2 = await batch.store.history(q);
      const strip = (s: StoredState) => ({ kind: s.kind, id: s.id, v: s.itemVersion, outcome: s.outcome, state: s.state });
      expect(h2.states.map(strip)).toEqual(h1.states.map(strip));
      expect(h2.conflicts.map((c) => [c.id, c.itemVersion, c.resolution, c.rebasedTo])).toEqual(
        h1.conflicts.map((c) => [c.id, c.itemVersion, c.resolution, c.rebasedTo]),
      );
      // Positions in the order of decisions, states and conflict records alike, as one by one.
      const positions = (h: typeof h1) =>
        [
          ...h.states.map((s) => ({ seq: s.seq, what: `${s.outcome} ${s.id} v${s.itemVersion}` })),
          ...h.conflicts.map((c) => ({ seq: c.seq, what: `${c.resolution} ${c.id} v${c.itemVersion}` })),
        ]
          .sort((x, y) => x.seq - y.seq)
          .map((r) => r.what);
      expect(positions(h2)).toEqual(positions(h1));
    });

    it("keeps store order: seq strictly increasing, in the order proposals were applied", async () => {
      const { store } = await open();
      const q = newQueryId();
      const first = await store.apply(fanOut(q, ["node-a", "node-b", "node-c"]));
      const second = await store.apply([
        node(resultState(q, "node-c", 2, "running")),
        node(resultState(q, "node-a", 2, "running")),
        node(resultState(q, "node-b", 2, "running")),
      ]);
      const seqs = [...first, ...second].map((a) => a.stored!.seq);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
      const states = await store.states("result", resultId(q, "node-a"));
      expectStoreOrder(states);
      expect(states.map((s) => s.seq)).toEqual([first[1]!.stored!.seq, second[1]!.stored!.seq]);
    });

    it("answers a query's history: its states and its results' in store order, and its conflicts only", async () => {
      const { store } = await open();
      const q = newQueryId();
      const other = newQueryId();
      await store.apply([...fanOut(q, ["node-a"]), ...fanOut(other, ["node-a"])]);
      await store.apply([
        node(resultState(other, "node-a", 2, "running")),
        node(resultState(q, "node-a", 2, "running")),
        node(resultState(other, "node-a", 2, "queuedAtNode")),
        node(resultState(q, "node-a", 2, "completed", { count: 5 })),
        hub("query", queryState(q, 2, "done", ["node-a"])),
      ]);
      const h = await store.history(q);
      expect(h.states.map((s) => [s.kind, s.itemVersion, s.outcome])).toEqual([
        ["query", 1, "applied"],
        ["result", 1, "applied"],
        ["result", 2, "applied"],
        ["result", 3, "conflict-rebased"],
        ["query", 2, "applied"],
      ]);
      expect(h.states.every((s) => s.queryId === q)).toBe(true);
      expectStoreOrder(h.states);
      expect(h.conflicts.map((c) => [c.queryId, c.resolution])).toEqual([[q, "rebased"]]);
      expect((await store.history(other)).conflicts.map((c) => c.resolution)).toEqual(["discarded"]);
      expect(await store.history(newQueryId())).toEqual({ states: [], conflicts: [] });
    });

    it("replays every stored state in store order, and counts states and conflicts", async () => {
      const { store } = await open();
      const q1 = newQueryId();
      const q2 = newQueryId();
      await store.apply([...fanOut(q1, ["node-a", "node-b"]), ...fanOut(q2, ["node-a"])]);
      await store.apply([
        node(resultState(q2, "node-a", 2, "running")),
        node(resultState(q1, "node-b", 2, "completed", { count: 1 })),
        node(resultState(q1, "node-b", 2, "running")), // discarded
        node(resultState(q2, "node-z", 2, "running")), // rejected
      ]);
      const replayed: StoredState[] = [];
      for await (const s of store.replay()) replayed.push(s);
      expect(replayed).toHaveLength(7);
      expectStoreOrder(replayed);
      const histories = [...(await store.history(q1)).states, ...(await store.history(q2)).states].sort((a, b) => a.seq - b.seq);
      expect(replayed.map((s) => s.seq)).toEqual(histories.map((s) => s.seq));
      expectSameState(
        replayed.map((s) => s.state),
        histories.map((s) => s.state),
      );
      expect(await store.counts()).toEqual({ states: 7, conflicts: 1 });
    });

    it("feeds every state and conflict record after a position, in store order, page by page", async () => {
      const { store } = await open();
      const q = newQueryId();
      const start = (await store.readAfter(0, 1_000_000)).through;
      expect(await store.readAfter(start, 10)).toEqual({ states: [], conflicts: [], through: start });
      await store.apply(fanOut(q, ["node-a", "node-b"]));
      await store.apply([
        node(resultState(q, "node-a", 2, "running")),
        node(resultState(q, "node-a", 2, "completed", { count: 4 })), // rebased: a state and a conflict record
        node(resultState(q, "node-b", 2, "running")),
        node(resultState(q, "node-b", 2, "queuedAtNode")), // discarded: a conflict record only
        node(resultState(q, "node-z", 2, "running")), // rejected: nothing
        hub("query", queryState(q, 2, "dispatched", ["node-a", "node-b"])),
      ]);
      const states: StoredState[] = [];
      const conflicts: ConflictRecord[] = [];
      const positions: number[] = [];
      let through = start;
      for (;;) {
        const page = await store.readAfter(through, 2);
        expect(page.states.length + page.conflicts.length).toBeLessThanOrEqual(2);
        if (page.states.length + page.conflicts.length === 0) {
          expect(page.through).toBe(through);
          break;
        }
        const seqs = [...page.states, ...page.conflicts].map((r) => r.seq).sort((a, b) => a - b);
        expect(seqs[0]).toBeGreaterThan(through);
        expect(page.through).toBe(seqs[seqs.length - 1]);
        states.push(...page.states);
        conflicts.push(...page.conflicts);
        positions.push(...seqs);
        through = page.through;
      }
      const h = await store.history(q);
      expect(states.map((s) => s.seq)).toEqual(h.states.map((s) => s.seq));
      expectSameState(
        states.map((s) => s.state),
        h.states.map((s) => s.state),
      );
      expect(conflicts).toEqual(h.conflicts);
      expect(positions).toEqual([...h.states, ...h.conflicts].map((r) => r.seq).sort((a, b) => a - b));
      expect(new Set(positions).size).toBe(positions.length);
      // A conflict record comes after the state its proposal was rebased to.
      const rebased = h.states.find((s) => s.outcome === "conflict-rebased") as StoredState;
      expect(h.conflicts[0]!.seq).toBeGreaterThan(rebased.seq);
      const all = await store.readAfter(start, 1_000_000);
      expect(all.through).toBe(positions[positions.length - 1]);
      expect((await store.readAfter(all.through, 10)).states).toEqual([]);
    });

    it("wakes a watcher after something is stored, and not after it stops watching", async () => {
      const { store } = await open();
      const q = newQueryId();
      let wakes = 0;
      const stop = store.watch(() => wakes++);
      await store.apply(fanOut(q, ["node-a"]));
      await vi.waitFor(() => expect(wakes).toBeGreaterThan(0), { timeout: 5000, interval: 10 });
      stop();
      stop(); // twice is harmless
      const after = wakes;
      let other = 0;
      const stopOther = store.watch(() => other++);
      await store.apply([node(resultState(q, "node-a", 2, "running"))]);
      await vi.waitFor(() => expect(other).toBeGreaterThan(0), { timeout: 5000, interval: 10 });
      stopOther();
      expect(wakes).toBe(after);
    });

    it("keeps the snapshot of the highest position, ignoring an older one and a second one at the same position", async () => {
      const { store } = await open();
      expect(await store.latestSnapshot()).toBeUndefined();
      await store.saveSnapshot({ position: 5, data: new Uint8Array([1, 2, 3]) });
      await store.saveSnapshot({ position: 9, data: new Uint8Array([9, 0, 255]) });
      await store.saveSnapshot({ position: 7, data: new Uint8Array([7]) });
      await store.saveSnapshot({ position: 9, data: new Uint8Array([4]) });
      const latest = await store.latestSnapshot();
      expect(latest?.position).toBe(9);
      expect([...(latest?.data ?? [])]).toEqual([9, 0, 255]);
    });

    // Registered only for engines that persist: a memory store has nothing to keep across a reopen.
    if (options.persists)
      it("keeps what it stored across close and reopen", async () => {
        const { store, setup } = await open();
        if (!setup.reopen) throw new Error(`${name}: a persisting engine's setup must provide reopen()`);
        const q = newQueryId();
        await store.apply(fanOut(q, ["node-a"]));
        const running = resultState(q, "node-a", 2, "running", { progress: 0.5 });
        await store.apply([node(running), node(resultState(q, "node-a", 2, "failed", { statusMessage: "x" }))]);
        const before = await store.history(q);
        const counts = await store.counts();
        await store.close();
        opened.splice(opened.indexOf(store), 1);

        const again = await setup.reopen();
        await again.open();
        opened.push(again);
        expect(await again.counts()).toEqual(counts);
        const after = await again.history(q);
        expect(after.states.map((s) => [s.seq, s.kind, s.id, s.itemVersion, s.outcome, s.storedAt])).toEqual(
          before.states.map((s) => [s.seq, s.kind, s.id, s.itemVersion, s.outcome, s.storedAt]),
        );
        expectSameState(
          after.states.map((s) => s.state),
          before.states.map((s) => s.state),
        );
        expect(after.conflicts.map((c) => [c.seq, c.resolution, c.rebasedTo])).toEqual(
          before.conflicts.map((c) => [c.seq, c.resolution, c.rebasedTo]),
        );
        const [dup, next] = await again.apply([node(running), node(resultState(q, "node-a", 4, "completed", { count: 2 }))]);
        expect(dup!.outcome).toBe("duplicate");
        expect(next!.outcome).toBe("applied");
        expect(next!.stored!.seq).toBeGreaterThan(Math.max(...before.states.map((s) => s.seq), ...before.conflicts.map((c) => c.seq)));
      });

    const ladder: { status: ResultStatus; extra: Partial<ResultState> }[] = [
      { status: "receivedByNode", extra: {} },
      { status: "queuedAtNode", extra: {} },
      { status: "running", extra: { progress: 0.3 } },
      { status: "running", extra: { progress: 0.8 } },
      { status: "completed", extra: { count: 120 } },
    ];
    const nodesOf = ["node-a", "node-b", "node-c"];
    /** Which ladder steps each node sends, then an order with repeats, cut into batches. */
    const runArb = fc.tuple(...nodesOf.map(() => fc.subarray(ladder.map((_, i) => i)))).chain((steps) => {
      const count = steps.reduce((n, s) => n + s.length, 0);
      const all = Array.from({ length: count }, (_, i) => i);
      return fc.record({
        steps: fc.constant(steps),
        order: fc.shuffledSubarray(all, { minLength: count, maxLength: count }),
        repeats: fc.array(fc.nat({ max: Math.max(0, count - 1) }), { maxLength: count }),
        at: fc.array(fc.nat(), { maxLength: count }),
        cuts: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }),
      });
    });

    it("ends in the same current states, each version stored once, whatever the order, repeats and batching", async () => {
      const { store } = await open();
      await fc.assert(
        fc.asyncProperty(runArb, async ({ steps, order, repeats, at, cuts }) => {
          const q = newQueryId();
          await store.apply(fanOut(q, nodesOf));
          const distinct: ResultState[] = steps.flatMap((s, n) =>
            s.map((i, k) => resultState(q, nodesOf[n]!, k + 2, ladder[i]!.status, ladder[i]!.extra)),
          );
          const sequence = order.map((i) => distinct[i]!);
          for (const [k, i] of repeats.entries()) sequence.splice((at[k] ?? 0) % (sequence.length + 1), 0, reversedKeys(distinct[i]!));
          for (let from = 0, c = 0; from < sequence.length; c++) {
            const size = cuts[c % cuts.length]!;
            await store.apply(sequence.slice(from, from + size).map((s) => node(s)));
            from += size;
          }
          for (const [n, nodeId] of nodesOf.entries()) {
            const id = resultId(q, nodeId);
            const sent = distinct.filter((s) => s.id === id);
            const stored = await store.states("result", id);
            expect(stored.map((s) => s.itemVersion).sort((a, b) => a - b)).toEqual(
              Array.from({ length: (steps[n] ?? []).length + 1 }, (_, i) => i + 1),
            );
            const expected = currentOf("result", [resultState(q, nodeId, 1, "sentToNode"), ...sent]);
            expectSameState(await currentOfItem(store, "result", id), expected);
          }
        }),
        { numRuns: propertyRuns },
      );
    });

    it("ends with the highest stage current and no version stored twice, even with conflicting proposals", async () => {
      const { store } = await open();
      const conflicting = fc.array(fc.record({ v: fc.integer({ min: 2, max: 4 }), step: fc.nat({ max: ladder.length - 1 }) }), {
        minLength: 1,
        maxLength: 8,
      });
      await fc.assert(
        fc.asyncProperty(conflicting, fc.integer({ min: 1, max: 4 }), async (props, cut) => {
          const q = newQueryId();
          await store.apply(fanOut(q, ["node-a"]));
          const sequence = props.map(({ v, step }) => resultState(q, "node-a", v, ladder[step]!.status, ladder[step]!.extra));
          for (let from = 0; from < sequence.length; from += cut) {
            await store.apply(sequence.slice(from, from + cut).map((s) => node(s)));
          }
          const stored = await store.states("result", resultId(q, "node-a"));
          const versions = stored.map((s) => s.itemVersion);
          expect(new Set(versions).size).toBe(versions.length);
          const best = currentOf("result", sequence) as ResultState;
          expect(((await currentOfItem(store, "result", resultId(q, "node-a"))) as ResultState).status).toBe(best.status);
        }),
        { numRuns: propertyRuns },
      );
    });
  });
}
