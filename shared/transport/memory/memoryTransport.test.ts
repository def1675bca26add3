import { describe, expect, it } from "vitest";
import type { Delivery } from "../../ports/transport.ts";
import { SeededRandom } from "../../time/seededRandom.ts";
import { VirtualClock } from "../../time/virtualClock.ts";
import { DELIVERY_LIMIT_REASON } from "../routing.ts";
import { TransportClosedError, UnroutableError } from "../../ports/transport.ts";
import { ExclusiveQueueError, UnknownQueueError } from "./broker.ts";
import { MemoryTransport, memoryNames } from "./memoryTransport.ts";
import { createMemoryBroker } from "./mod.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

function world() {
  const clock = new VirtualClock();
  const broker = createMemoryBroker({ clock, random: new SeededRandom(1) });
  return { clock, broker };
}

describe("MemoryTransport", () => {
  it("names queues after PROTOCOL.md section 5; a node declares only its own queues (and the dead queue)", async () => {
    const { broker } = world();
    await new MemoryTransport(broker, { prefix: "x" }).declare({ role: "node", nodeId: "n9" });
    expect(broker.queueNames().sort()).toEqual(["x.control.n9", "x.dead", "x.node.n9"]);
    await new MemoryTransport(broker, { prefix: "x", deliveryLimit: 4 }).declare({ role: "hub", nodeIds: ["n1", "n9"] });
    expect(broker.queueNames().sort()).toEqual(["x.control.n1", "x.control.n9", "x.dead", "x.hub.results", "x.node.n1", "x.node.n9"]);
    expect(broker.queueInfo("x.node.n1").deliveryLimit).toBe(4);
    // The node's queue existed already and keeps its settings.
    expect(broker.queueInfo("x.node.n9").deliveryLimit).toBe(20);
  });

  it("gives each heartbeat subscription a queue of its own, with no transit faults, gone when it stops or its connection closes", async () => {
    const { clock, broker } = world();
    // Faults on every queue would draw for each message entering one; a subscriber's own copy draws nothing.
    broker.faults.setAll({ latency: { baseMs: 50 } });
    const replica = new MemoryTransport(broker, { prefix: "x" });
    await replica.declare({ role: "hub", nodeIds: ["n1"] });
    const other = new MemoryTransport(broker, { prefix: "x" });
    const got: Delivery[] = [];
    const first = await replica.consume({ from: "heartbeats" }, async (d) => {
      got.push(d);
      await d.ack();
    });
    await other.consume({ from: "heartbeats" }, async (d) => d.ack());
    const own = broker.queueNames().filter((q) => q.startsWith("x.hub.beats."));
    expect(own).toHaveLength(2);
    // Exclusive: another connection cannot read a replica's own queue.
    expect(() => broker.consume(broker.openConnection(), own[0] as string, 1, () => undefined)).toThrow(ExclusiveQueueError);

    await new MemoryTransport(broker, { prefix: "x", user: "n1" }).publish({ to: "hub", kind: "heartbeat", nodeId: "n1" }, bytes("beat"), {
      messageId: "b-1",
    });
    await clock.advance(0);
    expect(got.map((d) => d.messageId)).toEqual(["b-1"]);
    expect(got[0]).toMatchObject({ routeKind: "heartbeat", routeNodeId: "n1", authenticatedUser: "n1" });
    expect(broker.queueInfo("x.hub.results")).toMatchObject({ delayed: 1 });

    await first.stop();
    await other.close();
    expect(broker.queueNames().filter((q) => q.startsWith("x.hub.beats."))).toEqual([]);
  });

  it("reads every address it makes back as its route, and no other prefix's", () => {
    const names = memoryNames("x");
    const routes = [
      { to: "node", nodeId: "n1" },
      { to: "control", nodeId: "n1" },
      { to: "hub", kind: "result", nodeId: "n1" },
      { to: "hub", kind: "heartbeat", nodeId: "n2" },
      { to: "dead", reason: "bad", origin: "result.n1" },
    ] as const;
    for (const route of routes) expect(names.routeOf(names.address(route), "bad")).toEqual(route);
    expect(names.routeOf("y.result.n1")).toBeUndefined();
    expect(names.routeOf("x.launch.n1")).toBeUndefined();
  });

  it("rejects a publish nobody would receive, and a consume of an undeclared queue", async () => {
    const { broker } = world();
    const node = new MemoryTransport(broker, { prefix: "x" });
    await node.declare({ role: "node", nodeId: "n1" });
    await expect(node.publish({ to: "hub", kind: "result", nodeId: "n1" }, bytes("{}"), { messageId: "m" })).rejects.toBeInstanceOf(
      UnroutableError,
    );
    await expect(node.publish({ to: "node", nodeId: "n2" }, bytes("{}"), { messageId: "m" })).rejects.toBeInstanceOf(UnroutableError);
    await expect(node.consume({ from: "hub" }, async () => undefined)).rejects.toBeInstanceOf(UnknownQueueError);
  });

  it("reports the publisher's identity and the route from its address", async () => {
    const { clock, broker } = world();
    const hub = new MemoryTransport(broker, { prefix: "x" });
    await hub.declare({ role: "hub", nodeIds: ["n1"] });
    const impostor = new MemoryTransport(broker, { prefix: "x", user: "n2" });
    const got: Delivery[] = [];
    await hub.consume({ from: "hub" }, async (d) => {
      got.push(d);
    });
    await impostor.publish({ to: "hub", kind: "result", nodeId: "n1" }, bytes("{}"), { messageId: "m" });
    await clock.advance(0);
    expect(got[0]).toMatchObject({ routeKind: "result", routeNodeId: "n1", authenticatedUser: "n2" });
  });

  it("requeues a delivery whose handler throws, and says so", async () => {
    const { clock, broker } = world();
    const errors: unknown[] = [];
    const hub = new MemoryTransport(broker, { prefix: "x", onHandlerError: (e) => errors.push(e) });
    await hub.declare({ role: "hub", nodeIds: ["n1"] });
    const counts: number[] = [];
    await hub.consume({ from: "node", nodeId: "n1" }, async (d) => {
      counts.push(d.deliveryCount);
      if (d.deliveryCount === 1) throw new Error("store unavailable");
      await d.ack();
    });
    await hub.publish({ to: "node", nodeId: "n1" }, bytes("q"), { messageId: "m" });
    await clock.advance(0);
    expect(counts).toEqual([1, 2]);
    expect(errors).toHaveLength(1);
    expect(broker.queueInfo("x.node.n1")).toMatchObject({ acked: 1, unacked: 0 });
  });

  it("dead-letters past the limit with the node of the original route, and keeps its body and messageId", async () => {
    const { clock, broker } = world();
    const hub = new MemoryTransport(broker, { prefix: "x", deliveryLimit: 2 });
    await hub.declare({ role: "hub", nodeIds: ["n1"] });
    await hub.consume({ from: "node", nodeId: "n1" }, (d) => d.nack({ requeue: true }));
    const dead: Delivery[] = [];
    await hub.consume({ from: "dead" }, async (d) => {
      dead.push(d);
    });
    await hub.publish({ to: "node", nodeId: "n1" }, bytes("poison"), { messageId: "m" });
    await clock.advance(0);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      messageId: "m",
      routeKind: "dead",
      routeNodeId: "n1",
      deadReason: DELIVERY_LIMIT_REASON,
      deliveryCount: 1,
    });
    expect(new TextDecoder().decode(dead[0]?.body)).toBe("poison");
  });

  it("refuses to settle one delivery twice, and to settle after its transport closed", async () => {
    const { clock, broker } = world();
    const hub = new MemoryTransport(broker, { prefix: "x" });
    await hub.declare({ role: "hub", nodeIds: ["n1"] });
    const node = new MemoryTransport(broker, { prefix: "x" });
    const got: Delivery[] = [];
    await node.consume({ from: "node", nodeId: "n1" }, async (d) => {
      got.push(d);
    });
    await hub.publish({ to: "node", nodeId: "n1" }, bytes("a"), { messageId: "a" });
    await hub.publish({ to: "node", nodeId: "n1" }, bytes("b"), { messageId: "b" });
    await clock.advance(0);
    await got[0]?.ack();
    await expect(got[0]?.ack()).rejects.toThrow(/settled already/);
    await node.close();
    await expect(got[1]?.ack()).rejects.toThrow(/not held/);
    await expect(node.publish({ to: "node", nodeId: "n1" }, bytes("c"), { messageId: "c" })).rejects.toBeInstanceOf(TransportClosedError);
    expect(broker.queueInfo("x.node.n1")).toMatchObject({ ready: 1, unacked: 0, requeued: 1 });
  });

  it("keeps the bytes of a queued message apart from the publisher's buffer and from each consumer's", async () => {
    const { clock, broker } = world();
    const hub = new MemoryTransport(broker, { prefix: "x" });
    await hub.declare({ role: "hub", nodeIds: ["n1"] });
    const body = bytes("abc");
    const seen: string[] = [];
    await hub.consume({ from: "node", nodeId: "n1" }, async (d) => {
      seen.push(new TextDecoder().decode(d.body));
      d.body[0] = 0x7a;
      await d.nack({ requeue: d.deliveryCount < 2 });
    });
    await hub.publish({ to: "node", nodeId: "n1" }, body, { messageId: "m" });
    body[0] = 0x78;
    await clock.advance(0);
    expect(seen).toEqual(["abc", "abc"]);
  });
});
