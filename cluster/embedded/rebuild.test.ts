import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResultState } from "../../shared/protocol/items.ts";
import { encodeMessage, type RunQuery } from "../../shared/protocol/messages.ts";
import { createStore } from "../../shared/store/create.ts";
import { SeededRandom } from "../../shared/time/seededRandom.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { MemoryTransport } from "../../shared/transport/memory/mod.ts";
import type { QueryHistory } from "../../hub/http/history.ts";
import { EmbeddedNetwork } from "./network.ts";
import { rebuildDifferences, viewDifferences } from "../../hub/rebuild/compare.ts";
import { rebuildView } from "../../hub/view/rebuild.ts";
import { StatusView } from "../../hub/view/statusView.ts";

const DEFINITIONS = [
  { panels: [{ concepts: ["dx:E11.9"] }] },
  { panels: [{ concepts: ["dx:I10"] }] },
  { panels: [{ concepts: ["dx:E11.9", "dx:E10.9"] }, { concepts: ["rx:metformin"], not: true }] },
  { panels: [{ concepts: ["dx:E10.9"] }], age: { min: 40 } },
  { panels: [{ concepts: ["dx:I10"] }], sex: "F" as const },
  { panels: [{ concepts: ["rx:metformin"] }] },
];
const RESTARTED = "hospital-b";

/**
 * A run full of duplicates, reordering and conflicts over an embedded PostgreSQL: a site that
 * loses its memory mid-run is sent its run-queries again (as a broker redelivery would) and
 * proposes states at versions the store already holds.
 */
describe("rebuild after a run full of duplicates and conflicts (PGlite)", () => {
  const clock = new VirtualClock();
  let dir: string;
  let network: EmbeddedNetwork;
  const ids: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "qnet-rebuild-"));
    const store = await createStore(`pglite:${dir}`, { clock });
    network = await EmbeddedNetwork.start({
      clock,
      random: new SeededRandom(4_2026),
      nodes: [
        { nodeId: "hospital-a", profile: "fast" },
        { nodeId: RESTARTED, profile: "steady" },
        { nodeId: "hospital-c", profile: "flaky" },
      ],
      faults: { all: { duplicate: { probability: 0.3, maxLagMs: 2_000 }, reorder: { probability: 0.5, windowMs: 3_000 } } },
      store,
      populationSize: 2_000,
      heartbeatMs: 1_000,
      resultTimeoutMs: 24 * 3600_000,
    });
    for (const definition of DEFINITIONS) ids.push(await network.hub.desk.submit({ definition, researcherId: "dr-audit" }));
    // Let the restarted site get some way into its results, then it forgets them all.
    await clock.runWhile(() => !ids.every((id) => stageOf(network.hub.view.result(id, RESTARTED)) >= 300), 60_000);
    await clock.advance(1_500);
    await network.crashNode(RESTARTED);
    await network.startNode(RESTARTED, { loseState: true });
    await resendRunQueries(network, ids, RESTARTED);
    const done = await clock.runWhile(() => ids.some((id) => network.hub.view.get(id)?.status !== "done"), 6 * 3600_000);
    expect(done).toBe(true);
    // Duplicates still in transit arrive too.
    await clock.advance(10_000);
  }, 120_000);

  afterAll(async () => {
    await network?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("replays the store into a view with no difference from the live one", async () => {
    expect(await network.hub.metrics.outcomeCount("duplicate")).toBeGreaterThan(0);
    expect(
      (await network.hub.metrics.outcomeCount("conflict-discarded")) + (await network.hub.metrics.outcomeCount("conflict-rebased")),
    ).toBeGreaterThan(0);
    expect(await rebuildDifferences(network.store, network.hub.view)).toEqual([]);
  });

  it("finds the difference when the live view lacks what the store holds", async () => {
    const rebuilt = await rebuildView(network.store);
    const partial = await rebuildView(network.store);
    const [first] = ids;
    const withoutFirst = [...rebuilt.shown()].filter(
      ({ state }) => (state as { queryId?: string }).queryId !== first && state.id !== first,
    );
    const emptier = new StatusView();
    for (const { kind, state } of withoutFirst) emptier.take(kind, state, 0);
    expect(viewDifferences(partial, rebuilt)).toEqual([]);
    const differences = viewDifferences(rebuilt, emptier, ["rebuilt view", "live view"]);
    expect(differences).toContain(`query ${first}: only in the rebuilt view`);
    // The query and its three results.
    expect(differences).toHaveLength(4);
  });

  it("shows every stored state once, with the outcome that stored it, and each conflict with its resolution", async () => {
    let stored = 0;
    let conflicts = 0;
    for (const id of ids) {
      const response = await network.hub.api.inject({ method: "GET", url: `/api/queries/${id}/history` });
      expect(response.statusCode).toBe(200);
      const history = response.json() as QueryHistory;
      stored += history.states.length;
      conflicts += history.conflicts.length;
      const keys = history.states.map((s) => `${s.kind} ${s.id} ${s.itemVersion}`);
      expect(new Set(keys).size).toBe(keys.length);
      const seqs = history.states.map((s) => s.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(history.states.filter((s) => s.kind === "query").map((s) => s.state)).toMatchObject([
        { status: "created" },
        { status: "dispatched" },
        { status: "done" },
      ]);
      for (const c of history.conflicts) {
        const atKey = history.states.find((s) => s.id === c.id && s.itemVersion === c.itemVersion);
        expect(atKey?.state).toEqual(c.collidedWith);
        if (c.resolution === "rebased") {
          const rebased = history.states.find((s) => s.id === c.id && s.itemVersion === c.rebasedTo);
          expect(rebased?.outcome).toBe("conflict-rebased");
          expect({ ...(rebased?.state as ResultState), versionInfo: undefined }).toEqual({
            ...(c.proposed as ResultState),
            versionInfo: undefined,
          });
        } else {
          expect(c.rebasedTo).toBeNull();
        }
      }
      expect(history.summary.byOutcome["conflict-rebased"]).toBe(history.summary.conflicts.rebased);
    }
    const counts = await network.store.counts();
    expect(stored).toBe(counts.states);
    expect(conflicts).toBe(counts.conflicts);
    expect(conflicts).toBeGreaterThan(0);
    // Every duplicate delivery was counted and none of them was stored: the keys above are unique.
    expect(await network.hub.metrics.outcomeCount("duplicate")).toBeGreaterThan(0);
  });

  it("answers 404 for an unknown query and 400 for an id that is not a UUID", async () => {
    const unknown = await network.hub.api.inject({ method: "GET", url: "/api/queries/00000000-0000-4000-8000-000000000000/history" });
    expect(unknown.statusCode).toBe(404);
    const bad = await network.hub.api.inject({ method: "GET", url: "/api/queries/not-a-uuid/history" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: "invalid request" });
  });
});

function stageOf(r: ResultState | undefined): number {
  const stages: Record<string, number> = { created: 100, sentToNode: 200, receivedByNode: 300, queuedAtNode: 400, running: 700 };
  return r ? (stages[r.status] ?? 1000) : 0;
}

/** What a broker redelivering the run-queries would hand the site: the hub's own sentToNode state. */
async function resendRunQueries(network: EmbeddedNetwork, queryIds: readonly string[], nodeId: string): Promise<void> {
  const transport = new MemoryTransport(network.broker, {});
  const random = new SeededRandom("resend");
  try {
    for (const queryId of queryIds) {
      const query = network.hub.view.query(queryId);
      const sent = (await network.store.states("result", `${queryId}:${nodeId}`)).find(
        (s) => (s.state as ResultState).status === "sentToNode",
      );
      if (!query || !sent) throw new Error(`query ${queryId} has no sentToNode state for ${nodeId}`);
      const message: RunQuery = {
        type: "run-query",
        messageId: random.uuid(),
        sentAt: new Date(network.options.clock.now()).toISOString(),
        query: { ...query, status: undefined },
        result: sent.state as ResultState,
      };
      await transport.publish({ to: "node", nodeId }, encodeMessage(message), { messageId: message.messageId });
    }
  } finally {
    await transport.close();
  }
}
