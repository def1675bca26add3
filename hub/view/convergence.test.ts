import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { comparePrecedence } from "../../shared/apply/precedence.ts";
import type { Proposal } from "../../shared/ports/store.ts";
import type { QueryState, ResultState } from "../../shared/protocol/items.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { HubMetrics } from "../metrics.ts";
import { Recorder } from "../record.ts";
import { StatusView } from "./statusView.ts";

const Q = "2f9c7f3e-1b1a-4c55-8a7e-5d4c3b2a1f00";
const iso = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const vi = (itemVersion: number) => ({ protocolVersion: 1 as const, itemVersion, createDate: iso(0), changeDate: iso(itemVersion) });

const query: QueryState = {
  id: Q,
  versionInfo: vi(1),
  researcherId: "r",
  definition: { panels: [{ concepts: ["dx:E11.9"] }] },
  submittedAt: iso(0),
  status: "created",
};

function hubWrites(nodeIds: string[]): Proposal[] {
  const out: Proposal[] = [{ kind: "query", state: query, origin: "hub" }];
  for (const nodeId of nodeIds) {
    const base = { id: `${Q}:${nodeId}`, queryId: Q, nodeId };
    out.push({ kind: "result", origin: "hub", state: { ...base, versionInfo: vi(1), status: "created" } });
    out.push({ kind: "result", origin: "hub", state: { ...base, versionInfo: vi(2), status: "sentToNode" } });
  }
  return out;
}

/** One node's lifecycle as it would send it: received, maybe queued, running with progress, then final. */
const lifecycle = (nodeId: string) =>
  fc
    .record({
      queued: fc.boolean(),
      progress: fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 0, maxLength: 5 }),
      final: fc.oneof(
        fc.integer({ min: -1, max: 5000 }).map((count) => ({ count })),
        fc.constant({ failed: "site database offline" }),
      ),
    })
    .map(({ queued, progress, final }) => {
      const base = { id: `${Q}:${nodeId}`, queryId: Q, nodeId };
      const states: ResultState[] = [];
      let v = 2;
      const push = (s: Omit<ResultState, "id" | "queryId" | "nodeId" | "versionInfo">) =>
        states.push({ ...base, versionInfo: vi(++v), ...s });
      push({ status: "receivedByNode" });
      if (queued) push({ status: "queuedAtNode" });
      for (const p of [...progress].sort((a, b) => a - b)) push({ status: "running", progress: p / 100 });
      if ("count" in final)
        push({ status: "completed", count: final.count, obfuscation: { binSize: 5, stdDev: 6.5, noiseClamp: 10, lowLimit: 10 } });
      else push({ status: "failed", statusMessage: final.failed });
      return states;
    });

const network = fc
  .integer({ min: 1, max: 4 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => lifecycle(`hospital-${String.fromCharCode(97 + i)}`))));

/** Deliveries as the broker may make them: any order, some twice or more. */
const deliveries = (sent: ResultState[]) =>
  fc
    .tuple(fc.array(fc.nat({ max: Math.max(0, sent.length - 1) }), { maxLength: sent.length * 2 }), fc.infiniteStream(fc.integer()))
    .chain(([extra]) =>
      fc.shuffledSubarray([...sent, ...extra.map((i) => sent[i] as ResultState)], { minLength: sent.length + extra.length }),
    );

describe("the view under any delivery order", () => {
  it("converges to every node's final state, and no reader ever sees a result or the query move backwards", async () => {
    await fc.assert(
      fc.asyncProperty(
        network.chain((lifecycles) => fc.tuple(fc.constant(lifecycles), deliveries(lifecycles.flat()))),
        async ([lifecycles, order]) => {
          const clock = new VirtualClock();
          const store = new MemoryStore({ clock });
          const view = new StatusView();
          const recorder = new Recorder(store, view, new HubMetrics(), clock);
          const nodeIds = lifecycles.map((l) => (l[0] as ResultState).nodeId);
          await recorder.record(hubWrites(nodeIds));
          const shown = new Map<string, ResultState>();
          const shownQuery: QueryState[] = [];
          view.onChange((change) => {
            if (change.kind === "query") {
              const before = shownQuery.at(-1);
              if (before) expect(comparePrecedence("query", change.state, before)).toBeGreaterThan(0);
              shownQuery.push(change.state as QueryState);
              return;
            }
            const before = shown.get(change.state.id);
            if (before) expect(comparePrecedence("result", change.state, before)).toBeGreaterThan(0);
            shown.set(change.state.id, change.state as ResultState);
          });
          for (const state of order) {
            const [applied] = await recorder.record([{ kind: "result", state, origin: "node" }]);
            expect(applied?.outcome).toMatch(/^(applied|applied-late|duplicate)$/);
          }
          for (const l of lifecycles) {
            const last = l[l.length - 1] as ResultState;
            expect(view.result(Q, last.nodeId)).toEqual(last);
          }
          const counts = await store.counts();
          expect(counts.states).toBe(1 + 2 * nodeIds.length + lifecycles.flat().length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("ends in the same view whatever the interleaving, batched or one by one", async () => {
    await fc.assert(
      fc.asyncProperty(
        network.chain((l) => fc.tuple(fc.constant(l), deliveries(l.flat()), deliveries(l.flat()), fc.integer({ min: 1, max: 8 }))),
        async ([lifecycles, first, second, batch]) => {
          const views: unknown[] = [];
          for (const [order, size] of [
            [first, 1],
            [second, batch],
          ] as const) {
            const clock = new VirtualClock();
            const view = new StatusView();
            const recorder = new Recorder(new MemoryStore({ clock }), view, new HubMetrics(), clock);
            await recorder.record(hubWrites(lifecycles.map((l) => (l[0] as ResultState).nodeId)));
            for (let i = 0; i < order.length; i += size) {
              await recorder.record(order.slice(i, i + size).map((state) => ({ kind: "result" as const, state, origin: "node" as const })));
            }
            views.push(view.get(Q));
          }
          expect(views[1]).toEqual(views[0]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
