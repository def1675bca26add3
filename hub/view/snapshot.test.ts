import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../shared/apply/sameState.ts";
import { silentLogger } from "../../shared/log.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import { queryState, resultState, versionInfo } from "../../shared/store/testing/proposals.ts";
import { ladder } from "../../shared/testing/scriptedNode.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { openView } from "../events/viewFeed.ts";
import { startScriptedSites } from "../testing/scriptedSites.ts";
import { viewDifferences } from "../rebuild/compare.ts";
import { rebuildView } from "./rebuild.ts";
import { decodeSnapshot, encodeSnapshot } from "./snapshot.ts";
import { StatusView } from "./statusView.ts";

/** Each shown item with the time its row last moved: what the overdue poller reads too. */
function picture(view: StatusView): Map<string, string> {
  return new Map([...view.shown()].map(({ kind, state, at }) => [`${kind} ${state.id}`, canonicalJson({ state, at })]));
}

describe("view snapshots", () => {
  it("a view started from a snapshot and the tail after it equals a full replay of the record", async () => {
    const clock = new VirtualClock();
    const store = new MemoryStore({ clock });
    const network = await startScriptedSites({
      clock,
      seed: 5,
      nodeIds: ["site-1", "site-2", "site-3"],
      store,
      script: () => ladder({ count: 8, stepMs: 300 }),
      faults: { all: { duplicate: { probability: 0.3, maxLagMs: 500 }, reorder: { probability: 0.3, windowMs: 1_000 } } },
    });
    try {
      const ids: string[] = [];
      const submit = async (concept: string) =>
        ids.push(await network.hub.desk.submit({ definition: { panels: [{ concepts: [concept] }] } }));
      await submit("dx:E11.9");
      await submit("dx:I10");
      await clock.advance(1_000);
      // Midway, a replica writes a snapshot as of where its feed is.
      const writer = await openView({ store, clock, log: silentLogger, snapshotEvery: 1 });
      expect(await writer.feed.snapshotIfDue()).toBe(true);
      const at = writer.feed.position();
      expect(at).toBeGreaterThan(0);
      expect((await store.latestSnapshot())?.position).toBe(at);
      await submit("dx:J45");
      expect(await clock.runWhile(() => ids.some((id) => network.hub.view.get(id)?.status !== "done"), 600_000)).toBe(true);

      const started = await openView({ store, clock, log: silentLogger });
      expect(started.snapshotPosition).toBe(at);
      expect((await store.readAfter(at, 1_000_000)).states.length).toBeGreaterThan(0);
      const replayed = await rebuildView(store);
      expect(viewDifferences(replayed, started.view, ["full replay", "snapshot and tail"])).toEqual([]);
      expect(picture(started.view)).toEqual(picture(replayed));
      // Its event log starts at the snapshot: an id before it is too far behind, one after it resumes.
      expect(started.events.since("0")).toMatchObject({ kind: "reset" });
      expect(started.events.since(String(at))).toMatchObject({ kind: "events" });
    } finally {
      await network.stop();
    }
  });

  it("encodes a view and decodes the same view, and refuses data that is not a snapshot", async () => {
    const clock = new VirtualClock();
    const store = new MemoryStore({ clock });
    const network = await startScriptedSites({
      clock,
      seed: 9,
      nodeIds: ["a", "b"],
      store,
      script: () => ladder({ count: 4, stepMs: 100 }),
    });
    try {
      await network.hub.desk.submit({ definition: { panels: [{ concepts: ["dx:I10"] }] } });
      await clock.advance(2_000);
      const view = network.hub.view;
      expect(picture(decodeSnapshot(encodeSnapshot(view)))).toEqual(picture(view));
      expect(() => decodeSnapshot(new Uint8Array([1, 2, 3]))).toThrow();
    } finally {
      await network.stop();
    }
  });

  it("decodes a view larger than one gzip member of the encoding to the same view", () => {
    const view = new StatusView();
    const nodeIds = Array.from({ length: 120 }, (_, i) => `site-${i}`);
    for (let q = 0; q < 100; q++) {
      const queryId = `query-${q}`;
      view.take("query", queryState(queryId, 2, "done", nodeIds), q);
      for (const [i, nodeId] of nodeIds.entries()) {
        const changeDate = new Date(Date.UTC(2026, 0, 1, 0, 0, i % 60)).toISOString();
        view.take(
          "result",
          resultState(queryId, nodeId, 4, "completed", { count: i, versionInfo: versionInfo(4, changeDate) }),
          q * 1000 + i,
        );
      }
    }
    const decoded = decodeSnapshot(encodeSnapshot(view));
    expect(decoded.queryIds()).toHaveLength(100);
    expect(picture(decoded)).toEqual(picture(view));
  });
});
