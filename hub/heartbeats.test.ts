import { describe, expect, it } from "vitest";
import { silentLogger } from "../shared/log.ts";
import { encodeMessage } from "../shared/protocol/messages.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { VirtualClock } from "../shared/time/virtualClock.ts";
import { MemoryTransport } from "../shared/transport/memory/mod.ts";
import { type Hub, startHub } from "./hub.ts";
import { startScriptedSites } from "./testing/scriptedSites.ts";

const SITES = ["site-a", "site-b", "site-c"];
const HEARTBEAT_MS = 5_000;

/** Three hub replicas over one store and one broker, the sites beating every HEARTBEAT_MS. */
async function threeReplicas() {
  const clock = new VirtualClock();
  const network = await startScriptedSites({ clock, seed: 15, nodeIds: SITES, heartbeatMs: HEARTBEAT_MS });
  const extra: { hub: Hub; transport: MemoryTransport }[] = [];
  for (const seed of [1, 2]) {
    const transport = new MemoryTransport(network.broker, {});
    const hub = await startHub({
      transport,
      store: network.store,
      clock,
      random: new SeededRandom(seed),
      log: silentLogger,
      nodeIds: SITES,
      resultTimeoutMs: 300_000,
      heartbeatMs: HEARTBEAT_MS,
      prefetch: 16,
    });
    extra.push({ hub, transport });
  }
  return {
    clock,
    network,
    hubs: [network.hub, ...extra.map((e) => e.hub)],
    async stop() {
      for (const e of extra) {
        await e.hub.stop();
        await e.transport.close();
      }
      await network.stop();
    },
  };
}

describe("every hub replica sees every heartbeat", () => {
  it("each replica has each site's newest heartbeat, though the hub queue gives each heartbeat to one of them", async () => {
    const r = await threeReplicas();
    const sent = () => [...r.network.sites.values()].reduce((sum, s) => sum + s.heartbeatsSent, 0);
    try {
      // The sites beat once as they start, before the last two replicas subscribe.
      const beforeAll = sent();
      await r.clock.advance(10 * HEARTBEAT_MS);
      const views = r.hubs.map((hub) => hub.liveness.nodes());
      for (const nodes of views) {
        expect(nodes.map((n) => n.nodeId)).toEqual(SITES);
        for (const n of nodes) expect(n).toMatchObject({ known: true, alive: true, lastHeartbeat: expect.any(String) });
      }
      // The newest beat of each site reached all three: one coherent view.
      expect(views[1]).toEqual(views[0]);
      expect(views[2]).toEqual(views[0]);
      // The shared queue still gave each heartbeat to one replica: the copies came by the own queues.
      const own = r.network.broker.queueNames().filter((q) => q.includes(".hub.beats."));
      expect(own).toHaveLength(3);
      // Each own queue had every heartbeat sent while it was there; the hub queue had each once.
      for (const q of own) expect(r.network.broker.queueInfo(q).acked).toBeGreaterThanOrEqual(sent() - beforeAll);
      expect(r.network.broker.queueInfo("qnet.hub.results").acked).toBe(sent());
    } finally {
      await r.stop();
    }
  });

  it("judges a heartbeat from a replica's own queue as the hub queue's copy: a forged one beats no one, and is dead-lettered once", async () => {
    const r = await threeReplicas();
    try {
      const forger = new MemoryTransport(r.network.broker, { user: "site-a" });
      const messageId = "7d1c3a52-3a4e-4f4e-9c43-5d2b7b7c2a11";
      const body = encodeMessage({
        type: "node-heartbeat",
        messageId,
        sentAt: new Date(r.clock.now()).toISOString(),
        nodeId: "ghost",
        activeQueries: 0,
      });
      // On site-a's route, as site-a's broker user, in the name of a node that is not site-a.
      await forger.publish({ to: "hub", kind: "heartbeat", nodeId: "site-a" }, body, { messageId });
      await r.clock.advance(HEARTBEAT_MS);
      for (const hub of r.hubs) expect(hub.liveness.nodes().map((n) => n.nodeId)).toEqual(SITES);
      expect(r.network.broker.queueInfo("qnet.dead").published).toBe(1);
      await forger.close();
    } finally {
      await r.stop();
    }
  });
});
