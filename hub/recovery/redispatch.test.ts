import { describe, expect, it } from "vitest";
import { silentLogger } from "../../shared/log.ts";
import type { Proposal } from "../../shared/ports/store.ts";
import type { QueryState, ResultState } from "../../shared/protocol/items.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import { SeededRandom } from "../../shared/time/seededRandom.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { createMemoryBroker, MemoryTransport, memoryNames } from "../../shared/transport/memory/mod.ts";
import { startHub } from "../hub.ts";

const Q = "00000000-0000-4000-8000-0000000000a1";
const at = (itemVersion: number) => ({
  protocolVersion: 1 as const,
  itemVersion,
  createDate: "2026-01-01T00:00:00.000Z",
  changeDate: "2026-01-01T00:00:00.000Z",
});
const result = (nodeId: string, itemVersion: number, status: ResultState["status"]): Proposal => ({
  kind: "result",
  origin: "hub",
  state: { id: `${Q}:${nodeId}`, queryId: Q, nodeId, versionInfo: at(itemVersion), status },
});

describe("a hub restarted over a query it had stored but not finished sending", () => {
  it("sends run-query again only to the sites that have not answered, and moves the query to dispatched", async () => {
    const clock = new VirtualClock();
    const store = new MemoryStore({ clock });
    await store.open();
    const query: QueryState = {
      id: Q,
      versionInfo: at(1),
      researcherId: "dr-restart",
      definition: { panels: [{ concepts: ["dx:I10"] }] },
      submittedAt: "2026-01-01T00:00:00.000Z",
      status: "created",
      nodeIds: ["site-a", "site-b"],
    };
    // What a crashed hub left: the query still `created`; site-a got its run-query and answered, site-b did not.
    await store.apply([
      { kind: "query", origin: "hub", state: query },
      result("site-a", 1, "created"),
      result("site-a", 2, "sentToNode"),
      { ...result("site-a", 3, "receivedByNode"), origin: "node" },
      result("site-b", 1, "created"),
      result("site-b", 2, "sentToNode"),
    ]);
    const broker = createMemoryBroker({ clock, random: new SeededRandom(1) });
    const transport = new MemoryTransport(broker, {});
    const hub = await startHub({
      transport,
      store,
      clock,
      random: new SeededRandom(2),
      log: silentLogger,
      nodeIds: ["site-a", "site-b"],
      resultTimeoutMs: 3600_000,
      heartbeatMs: 1000,
      prefetch: 16,
    });
    try {
      await clock.runWhile(() => hub.view.query(Q)?.status !== "dispatched", 60_000);
      expect(hub.view.query(Q)?.status).toBe("dispatched");
      const names = memoryNames("qnet");
      expect(broker.queueInfo(names.nodeQueue("site-a")).published).toBe(0);
      expect(broker.queueInfo(names.nodeQueue("site-b")).published).toBe(1);
      // The run-query's query as PROTOCOL.md has it: not the hub's status and node list.
      const received: { query: Record<string, unknown> }[] = [];
      const site = new MemoryTransport(broker, { user: "site-b" });
      await site.consume({ from: "node", nodeId: "site-b" }, async (d) => {
        received.push(JSON.parse(new TextDecoder().decode(d.body)));
        await d.ack();
      });
      await clock.runWhile(() => received.length === 0, 60_000);
      expect(Object.keys(received[0]?.query ?? {}).sort()).toEqual(["definition", "id", "researcherId", "submittedAt", "versionInfo"]);
      await site.close();
    } finally {
      await hub.stop();
      await transport.close();
    }
  });
});
