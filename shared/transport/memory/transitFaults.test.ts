import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../time/seededRandom.ts";
import { VirtualClock } from "../../time/virtualClock.ts";
import type { TransitPlan } from "../../faults/mod.ts";
import { MemoryTransport } from "./memoryTransport.ts";
import { createMemoryBroker } from "./mod.ts";

const NODE = { from: "node", nodeId: "n1" } as const;

/** A network of one node queue on a virtual clock; every delivery is acked and recorded with its time. */
async function network(seed: number, faults?: TransitPlan) {
  const clock = new VirtualClock();
  const start = clock.now();
  const broker = createMemoryBroker({ clock, random: new SeededRandom(seed), faults });
  const transport = new MemoryTransport(broker, { prefix: "sim" });
  await transport.declare({ role: "hub", nodeIds: ["n1"] });
  const seen: { id: string; at: number }[] = [];
  await transport.consume(NODE, async (d) => {
    seen.push({ id: d.messageId ?? "?", at: clock.now() - start });
    await d.ack();
  });
  const publish = async (n: number, from = 0) => {
    for (let i = from; i < from + n; i++)
      await transport.publish({ to: "node", nodeId: "n1" }, new Uint8Array([i]), { messageId: `m${i}` });
  };
  return { clock, broker, seen, publish, ids: () => seen.map((s) => s.id) };
}

async function run(seed: number, faults: TransitPlan, n = 50) {
  const net = await network(seed, faults);
  await net.publish(n);
  await net.clock.advance(60_000);
  return net;
}

const chaos: TransitPlan = {
  all: {
    latency: { baseMs: 5, jitterMs: 20 },
    reorder: { probability: 0.3, windowMs: 200 },
    duplicate: { probability: 0.2, maxLagMs: 300 },
  },
};

describe("memory broker faults, in virtual time", () => {
  it("replays the same deliveries, at the same times, from the same seed and faults", async () => {
    const a = await run(7, chaos);
    const b = await run(7, chaos);
    const other = await run(8, chaos);
    expect(a.seen.length).toBeGreaterThan(50);
    expect(b.seen).toEqual(a.seen);
    expect(other.seen).not.toEqual(a.seen);
  });

  it("delivers every message twice, with the same messageId, when duplication is certain", async () => {
    const net = await run(1, { all: { duplicate: { probability: 1, maxLagMs: 50 } } }, 10);
    const counts = new Map<string, number>();
    for (const id of net.ids()) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.values()]).toEqual(Array(10).fill(2));
    expect(net.broker.stats("sim.")).toMatchObject({ published: 10, duplicatedByFault: 10, delivered: 20, acked: 20 });
  });

  it("lets later messages overtake held ones under reorder, losing none", async () => {
    const net = await run(3, { all: { reorder: { probability: 0.5, windowMs: 100 } } }, 30);
    const published = Array.from({ length: 30 }, (_, i) => `m${i}`);
    expect(net.ids()).not.toEqual(published);
    expect([...net.ids()].sort()).toEqual([...published].sort());
  });

  it("holds every message for the configured latency", async () => {
    const net = await network(1, { queues: { "sim.node.n1": { latency: { baseMs: 100, jitterMs: 0 } } } });
    await net.publish(3);
    await net.clock.advance(99);
    expect(net.seen).toHaveLength(0);
    expect(net.broker.queueInfo("sim.node.n1").delayed).toBe(3);
    await net.clock.advance(1);
    expect(net.seen).toEqual([
      { id: "m0", at: 100 },
      { id: "m1", at: 100 },
      { id: "m2", at: 100 },
    ]);
  });

  it("tells a watcher what transit faults do to each message, and nothing while none is in force", async () => {
    const net = await network(2);
    const told: { address: string; copied: boolean }[] = [];
    const stop = net.broker.watchTransit((m, fate) => told.push({ address: m.address, copied: fate.duplicateLagMs !== undefined }));
    await net.publish(2, 0);
    net.broker.faults.setAll({ duplicate: { probability: 1, maxLagMs: 10 } });
    await net.publish(2, 2);
    stop();
    await net.publish(1, 4);
    expect(told).toEqual([
      { address: "sim.query.n1", copied: true },
      { address: "sim.query.n1", copied: true },
    ]);
  });

  it("takes faults switched on and off while running", async () => {
    const net = await network(5);
    await net.publish(5, 0);
    await net.clock.advance(1000);
    net.broker.faults.setAll({ duplicate: { probability: 1, maxLagMs: 100 } });
    await net.publish(5, 5);
    await net.clock.advance(1000);
    net.broker.faults.clear();
    await net.publish(5, 10);
    await net.clock.advance(1000);
    expect(net.broker.stats()).toMatchObject({ published: 15, duplicatedByFault: 5, delivered: 20 });
    expect(net.ids().filter((id) => id === "m7")).toHaveLength(2);
    expect(net.ids().filter((id) => id === "m12")).toHaveLength(1);
  });
});
