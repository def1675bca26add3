import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { canonicalJson, sameState } from "../../apply/sameState.ts";
import type { Applied, Proposal } from "../../ports/store.ts";
import { SERVICES, describeWith, uniquePrefix } from "../../testing/services.ts";
import { SeededRandom } from "../../time/seededRandom.ts";
import { VirtualClock } from "../../time/virtualClock.ts";
import { storeContract } from "../contract.ts";
import type { SqlClient } from "./client.ts";
import { pgClient } from "./pg.ts";
import { dropSchema } from "./schema.ts";
import { SqlStore } from "./sqlStore.ts";
import { fanOut, resultState } from "../testing/proposals.ts";

const base = uniquePrefix("store").replace(/-/g, "_");

await describeWith(["postgres"], "SqlStore on PostgreSQL", () => {
  let shared: SqlClient;
  let schemas = 0;
  beforeAll(() => {
    shared = pgClient(SERVICES.postgres.url);
  });
  afterAll(async () => {
    await shared.close();
  });

  storeContract(
    "postgres",
    async () => {
      const schema = `${base}_${++schemas}`;
      const clock = new VirtualClock();
      const make = () => new SqlStore({ client: shared, clock, schema });
      return { store: make(), reopen: async () => make(), cleanup: () => dropSchema(shared, schema) };
    },
    { propertyRuns: 30, persists: true },
  );

  it("stores text with backslashes, tabs and line ends exactly as proposed (states are written with COPY)", async () => {
    const schema = `${base}_copy`;
    const store = new SqlStore({ client: shared, clock: new VirtualClock(), schema });
    try {
      await store.open();
      const q = "q-\\N\tx";
      const awkward = resultState(q, "node-a", 2, "failed", { statusMessage: 'a\\b\tc\nd\re \\N "quoted" \u00e9' });
      const fan = fanOut(q, ["node-a"]);
      const applied = await store.apply([...fan, { kind: "result", origin: "node", state: awkward, messageId: "m\t\\1" }]);
      const stored = await store.states("result", awkward.id);
      expect(stored.map((s) => s.messageId)).toContain("m\t\\1");
      expect(sameState(stored.find((s) => s.itemVersion === 2)!.state, awkward)).toBe(true);
      expect(applied[fan.length]!.stored!.seq).toBe(stored.find((s) => s.itemVersion === 2)!.seq);
      expect((await store.states("query", q)).map((s) => s.id)).toEqual([q]);
    } finally {
      await dropSchema(shared, schema);
    }
  });

  describe("two hub processes sharing one schema", () => {
    const schema = `${base}_shared`;
    const clients: SqlClient[] = [];
    afterAll(async () => {
      await dropSchema(shared, schema);
      for (const c of clients) await c.close();
    });

    it("stores each state once and reports each write to exactly one of them, however their batches interleave", async () => {
      const clock = new VirtualClock();
      const hubs = [0, 1].map(() => {
        const client = pgClient(SERVICES.postgres.url, undefined, 4);
        clients.push(client);
        return new SqlStore({ client, clock, schema });
      });
      await Promise.all(hubs.map((h) => h.open()));

      const random = new SeededRandom("two-hubs");
      const nodes = ["node-a", "node-b", "node-c"];
      const queries = Array.from({ length: 20 }, () => random.uuid());
      const result = resultState;
      const fanOuts: Proposal[] = queries.flatMap((q) => fanOut(q, nodes));
      // Both hubs received the fan-out message too: it is applied by both, concurrently.
      const updates: Proposal[] = queries.flatMap((q) =>
        nodes.flatMap((n) =>
          [
            result(q, n, 2, "receivedByNode"),
            result(q, n, 3, "running", { progress: 0.4 }),
            result(q, n, 3, "failed", { statusMessage: "out of memory" }), // a conflict at v3
            result(q, n, 4, "completed", { count: 50 }),
          ].map((state) => ({ kind: "result" as const, origin: "node" as const, state })),
        ),
      );
      const batchesOf = (ps: Proposal[], size: number) =>
        Array.from({ length: Math.ceil(ps.length / size) }, (_, i) => ps.slice(i * size, i * size + size));
      const outcomes: Applied[][] = [[], []];
      const proposed: Proposal[][] = [[], []];
      // A third process follows the feed while both write, woken by the other processes' commits.
      const readerClient = pgClient(SERVICES.postgres.url, undefined, 2);
      clients.push(readerClient);
      const reader = new SqlStore({ client: readerClient, clock, schema });
      let wakes = 0;
      const stopWatching = reader.watch(() => wakes++);
      let writing = true;
      const follow = async (store: SqlStore) => {
        const followed: number[] = [];
        let through = 0;
        for (let last = false; !last; ) {
          last = !writing;
          const page = await store.readAfter(through, 7);
          const seqs = [...page.states, ...page.conflicts].map((r) => r.seq).sort((a, b) => a - b);
          expect(seqs.length).toBeLessThanOrEqual(7);
          expect(page.through).toBe(seqs.length > 0 ? seqs[seqs.length - 1] : through);
          followed.push(...seqs);
          through = page.through;
          if (page.states.length + page.conflicts.length === 7) last = false;
        }
        return followed;
      };
      // The writers follow it too: their own states come from what their writes kept, the rest from the database.
      const following = Promise.all([reader, ...hubs].map(follow));
      await Promise.all(
        hubs.map(async (hub, h) => {
          const own = [...fanOuts, ...random.fork(`hub-${h}`).shuffle(updates)];
          for (const batch of batchesOf(own, 25)) {
            outcomes[h]!.push(...(await hub.apply(batch)));
            proposed[h]!.push(...batch);
          }
        }),
      );
      writing = false;
      const followedBy = await following;
      // Read while positions were being taken, the feed still missed none and saw none twice.
      const { rows: everyPosition } = await shared.query<{ seq: string }>(
        `SELECT seq FROM ${schema}.states UNION ALL SELECT seq FROM ${schema}.conflicts ORDER BY seq`,
      );
      for (const followed of followedBy) expect(followed).toEqual(everyPosition.map((r) => Number(r.seq)));
      await vi.waitFor(() => expect(wakes).toBeGreaterThan(0), { timeout: 5000, interval: 20 });
      stopWatching();

      const all = outcomes.flat();
      const writes = all.filter((a) => a.stored !== undefined);
      const { rows: dupKeys } = await shared.query(
        `SELECT kind, id, item_version FROM ${schema}.states GROUP BY 1, 2, 3 HAVING count(*) > 1`,
      );
      expect(dupKeys).toEqual([]);
      const counts = await hubs[0]!.counts();
      // Every stored state was reported by exactly one hub, at the seq it has.
      expect(counts.states).toBe(writes.length);
      expect(new Set(writes.map((a) => a.stored!.seq)).size).toBe(writes.length);
      const conflictOutcomes = all.filter((a) => a.outcome === "conflict-rebased" || a.outcome === "conflict-discarded").length;
      expect(counts.conflicts).toBe(conflictOutcomes);
      expect(all.filter((a) => a.outcome === "rejected")).toEqual([]);

      const storedBySeq = new Map<number, { id: string; itemVersion: number; outcome: string; state: unknown }>();
      for await (const s of hubs[1]!.replay()) storedBySeq.set(s.seq, s);
      for (const a of writes) {
        const row = storedBySeq.get(a.stored!.seq);
        expect(row).toMatchObject({ id: a.stored!.id, itemVersion: a.stored!.itemVersion, outcome: a.stored!.outcome });
        expect(sameState(row!.state, a.stored!.state)).toBe(true);
      }

      // A proposal both hubs received is stored by at most one of them.
      const storedBy = new Map<string, number>();
      for (const h of [0, 1]) {
        proposed[h]!.forEach((p, i) => {
          if (outcomes[h]![i]!.stored === undefined) return;
          const key = `${p.state.id}|${canonicalJson({ ...p.state, versionInfo: undefined })}`;
          storedBy.set(key, (storedBy.get(key) ?? 0) + 1);
        });
      }
      expect([...storedBy.values()].filter((n) => n > 1)).toEqual([]);

      // Each result ends completed, whatever won where.
      for (const q of queries) {
        for (const n of nodes) {
          const states = await hubs[0]!.states("result", `${q}:${n}`);
          expect(states.some((s) => s.state.status === "completed")).toBe(true);
          expect(new Set(states.map((s) => s.itemVersion)).size).toBe(states.length);
        }
      }
    });
  });
});
