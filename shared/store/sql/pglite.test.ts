import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { VirtualClock } from "../../time/virtualClock.ts";
import { storeContract } from "../contract.ts";
import { createStore } from "../create.ts";
import type { SqlClient } from "./client.ts";
import { pgliteClient } from "./pglite.ts";
import { dropSchema, MIGRATIONS, migrate } from "./schema.ts";
import { SqlStore } from "./sqlStore.ts";
import { fanOut, hubProposal, nodeProposal, queryState, resultState } from "../testing/proposals.ts";

// One embedded database for the file, each test in a schema of its own: starting PGlite is the slow part.
let shared: SqlClient;
let schemas = 0;
beforeAll(async () => {
  shared = await pgliteClient();
});
afterAll(async () => {
  await shared.close();
});

storeContract(
  "pglite",
  async () => {
    const schema = `contract_${++schemas}`;
    const clock = new VirtualClock();
    const make = () => new SqlStore({ client: shared, clock, schema });
    return { store: make(), reopen: async () => make(), cleanup: () => dropSchema(shared, schema) };
  },
  { propertyRuns: 30, persists: true },
);

describe("pglite store in a folder", () => {
  it("keeps its states and conflict log across a close and a reopen over the same folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qnet-pglite-"));
    const clock = new VirtualClock();
    try {
      const q = "00000000-0000-4000-8000-00000000f01d";
      const first = await createStore(`pglite:${dir}`, { clock });
      await first.open();
      await first.apply([
        hubProposal("query", queryState(q, 1, "created", ["node-a"])),
        hubProposal("result", resultState(q, "node-a", 1, "sentToNode")),
        nodeProposal(resultState(q, "node-a", 2, "running", { progress: 0.5 })),
        nodeProposal(resultState(q, "node-a", 2, "completed", { count: 12 })),
      ]);
      const before = await first.history(q);
      await first.close();

      const second = await createStore(`pglite:${dir}`, { clock });
      await second.open();
      expect(await second.counts()).toEqual({ states: 4, conflicts: 1 });
      expect(await second.history(q)).toEqual(before);
      const [again] = await second.apply([nodeProposal(resultState(q, "node-a", 2, "completed", { count: 12 }))]);
      expect(again?.outcome).toBe("conflict-discarded");
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("pglite store schema", () => {
  it("records each migration once, however often it is opened", async () => {
    const schema = "migrations_once";
    const clock = new VirtualClock();
    try {
      await Promise.all([1, 2, 3].map(() => new SqlStore({ client: shared, clock, schema }).open()));
      const { rows } = await shared.query<{ version: number }>(`SELECT version FROM ${schema}.migrations ORDER BY version`);
      expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await dropSchema(shared, schema);
    }
  });
});

describe("pglite store feed wake-ups", () => {
  /** A store of the schema with a watcher, once its LISTEN holds (the store wakes it then, for the gap). */
  async function watched(schema: string, migrated = true) {
    const store = new SqlStore({ client: shared, clock: new VirtualClock(), schema });
    if (migrated) await store.open();
    const seen = { wakes: 0 };
    const stop = store.watch(() => seen.wakes++);
    await vi.waitFor(() => expect(seen.wakes).toBe(1), { timeout: 5000, interval: 10 });
    return { store, seen, stop };
  }

  it("wakes only the watchers of the schema written", async () => {
    const [a, b] = [await watched("wake_a"), await watched("wake_b")];
    try {
      await a.store.apply(fanOut("00000000-0000-4000-8000-0000000000a1", ["node-a"]));
      await b.store.apply(fanOut("00000000-0000-4000-8000-0000000000b1", ["node-a"]));
      // Delivered in commit order on the one embedded database: a's write came first.
      await vi.waitFor(() => expect(b.seen.wakes).toBe(2), { timeout: 5000, interval: 10 });
      await vi.waitFor(() => expect(a.seen.wakes).toBe(2), { timeout: 5000, interval: 10 });
      expect([a.seen.wakes, b.seen.wakes]).toEqual([2, 2]);
    } finally {
      a.stop();
      b.stop();
      await dropSchema(shared, "wake_a");
      await dropSchema(shared, "wake_b");
    }
  });

  it("wakes its watchers on the schema's own channel once a schema of the shared channel is brought up to date", async () => {
    const schema = "wake_upgraded";
    try {
      await migrate(shared, schema, MIGRATIONS.slice(0, 2));
      const old = await watched(schema, false);
      const store = new SqlStore({ client: shared, clock: new VirtualClock(), schema });
      await store.open();
      await store.apply(fanOut("00000000-0000-4000-8000-0000000000c1", ["node-a"]));
      await vi.waitFor(() => expect(old.seen.wakes).toBe(2), { timeout: 5000, interval: 10 });
      old.stop();
    } finally {
      await dropSchema(shared, schema);
    }
  });
});

describe("pglite stores sharing a schema, each with its own cache", () => {
  it("decide again from the database when another store wrote behind a cached item", async () => {
    const schema = "stale_cache";
    const clock = new VirtualClock();
    const q = "00000000-0000-4000-8000-00000000ca5e";
    const result = (itemVersion: number, status: "sentToNode" | "running" | "failed" | "completed", extra = {}) =>
      nodeProposal(resultState(q, "node-a", itemVersion, status, extra));
    const [a, b] = [0, 1].map(() => new SqlStore({ client: shared, clock, schema })) as [SqlStore, SqlStore];
    try {
      await a.open();
      await a.apply([hubProposal("query", queryState(q, 1, "created", ["node-a"])), { ...result(1, "sentToNode"), origin: "hub" }]);
      // b reads the item once, so both caches hold it at version 1; then a moves it on.
      expect((await b.apply([result(2, "running", { progress: 0.5 })]))[0]?.outcome).toBe("applied");
      expect((await a.apply([result(2, "running", { progress: 0.5 })]))[0]?.outcome).toBe("duplicate");
      expect((await a.apply([result(3, "completed", { count: 9 })]))[0]?.outcome).toBe("applied");
      // b's cache still ends at version 2: its plan to store version 3 meets the primary key.
      const [again, other] = await b.apply([result(3, "completed", { count: 9 }), result(3, "failed")]);
      expect(again?.outcome).toBe("duplicate");
      expect(other?.outcome).toBe("conflict-discarded");
      expect(again?.current).toMatchObject({ status: "completed" });
      const stored = await a.states("result", `${q}:node-a`);
      expect(stored.map((s) => [s.itemVersion, s.state.status])).toEqual([
        [1, "sentToNode"],
        [2, "running"],
        [3, "completed"],
      ]);
    } finally {
      await dropSchema(shared, schema);
    }
  });

  it("decide again from the database when another store wrote the cached item at a key the plan does not take", async () => {
    const schema = "stale_cache_other_key";
    const clock = new VirtualClock();
    const q = "00000000-0000-4000-8000-00000000ca5f";
    const result = (itemVersion: number, status: "sentToNode" | "running" | "completed", extra = {}) =>
      nodeProposal(resultState(q, "node-a", itemVersion, status, extra));
    const [a, b] = [0, 1].map(() => new SqlStore({ client: shared, clock, schema })) as [SqlStore, SqlStore];
    try {
      await a.open();
      await a.apply([hubProposal("query", queryState(q, 1, "created", ["node-a"])), { ...result(1, "sentToNode"), origin: "hub" }]);
      expect((await b.apply([result(2, "running", { progress: 0.2 })]))[0]?.outcome).toBe("applied");
      // a stores version 4 behind b's cache, which ends at version 2.
      expect((await a.apply([result(4, "completed", { count: 9 })]))[0]?.outcome).toBe("applied");
      // A batch that writes nothing answers the current state the database holds, not b's.
      const [copy] = await b.apply([result(2, "running", { progress: 0.2 })]);
      expect(copy).toMatchObject({ outcome: "duplicate", current: { status: "completed" } });
      // Version 3 is free, but the completed version 4 stays current: stored late.
      const [late] = await b.apply([result(3, "running", { progress: 0.6 })]);
      expect(late).toMatchObject({ outcome: "applied-late", current: { status: "completed" } });
      const [again] = await a.apply([result(3, "running", { progress: 0.6 })]);
      expect(again?.outcome).toBe("duplicate");
    } finally {
      await dropSchema(shared, schema);
    }
  });
});
