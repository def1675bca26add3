import { describe, expect, it } from "vitest";
import { silentLogger } from "../shared/log.ts";
import type { QueryState } from "../shared/protocol/items.ts";
import { MemoryStore } from "../shared/store/memory.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { VirtualClock } from "../shared/time/virtualClock.ts";
import { MemoryBroker, MemoryTransport } from "../shared/transport/memory/mod.ts";
import { HubMetrics } from "./metrics.ts";
import { QueryDesk } from "./queries.ts";
import { Recorder } from "./record.ts";
import { StatusView } from "./view/statusView.ts";

const Q = "2f9c7f3e-1b1a-4c55-8a7e-5d4c3b2a1f01";
const at = (itemVersion: number, status: QueryState["status"]): QueryState => ({
  id: Q,
  versionInfo: { protocolVersion: 1, itemVersion, createDate: "2026-01-01T00:00:00.000Z", changeDate: "2026-01-01T00:00:00.000Z" },
  researcherId: "r",
  definition: { panels: [{ concepts: ["dx:E11.9"] }] },
  submittedAt: "2026-01-01T00:00:00.000Z",
  status,
  nodeIds: [],
});

/** A desk over a memory store and broker, with no sites: only its status writes are looked at. */
function deskOverStore() {
  const clock = new VirtualClock(Date.parse("2026-01-01T00:00:00.000Z"));
  const store = new MemoryStore({ clock });
  const view = new StatusView();
  const recorder = new Recorder(store, view, new HubMetrics(), clock);
  const random = new SeededRandom(7);
  const transport = new MemoryTransport(new MemoryBroker({ clock, random }));
  const desk = new QueryDesk({ recorder, view, transport, clock, random, log: silentLogger, nodeIds: [] });
  return { store, view, recorder, desk };
}

describe("QueryDesk.advance", () => {
  // A replica whose run-queries were confirmed after another replica had already dispatched the
  // query and marked it done must not write `dispatched` over it, nor propose `done` again.
  it("writes nothing when the view already shows the query at that stage or past it", async () => {
    const { store, view, recorder, desk } = deskOverStore();
    await recorder.record([{ kind: "query", state: at(1, "created"), origin: "hub" }]);
    await recorder.record([{ kind: "query", state: at(2, "done"), origin: "hub" }]);

    await desk.advance(Q, "dispatched");
    await desk.advance(Q, "done");
    expect((await store.states("query", Q)).map((s) => s.itemVersion)).toEqual([1, 2]);

    await desk.advance(Q, "failed");
    expect(view.query(Q)?.status).toBe("done");
  });

  it("moves a query up its ladder", async () => {
    const { view, recorder, desk } = deskOverStore();
    await recorder.record([{ kind: "query", state: at(1, "created"), origin: "hub" }]);
    await desk.advance(Q, "dispatched");
    expect(view.query(Q)?.status).toBe("dispatched");
    await desk.advance(Q, "done");
    expect(view.query(Q)?.status).toBe("done");
    expect(view.query(Q)?.versionInfo.itemVersion).toBe(3);
  });
});
