import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Delivery, Transport } from "../../ports/transport.ts";
import { testConnection } from "../../testing/connections.ts";
import { describeWith, SERVICES, uniquePrefix } from "../../testing/services.ts";
import { DELIVERY_LIMIT_REASON } from "../routing.ts";
import { deleteAmqpPrefix } from "./declare.ts";
import { UnroutableError } from "../../ports/transport.ts";
import { connectAmqp } from "./transport.ts";

const text = (s: string) => new TextEncoder().encode(s);
const read = (d: Delivery) => new TextDecoder().decode(d.body);

/** Deliveries as they come, awaitable one by one. */
function inbox() {
  const items: Delivery[] = [];
  const waiting: ((d: Delivery) => void)[] = [];
  return {
    handler: async (d: Delivery) => {
      const w = waiting.shift();
      if (w) w(d);
      else items.push(d);
    },
    next: () => new Promise<Delivery>((resolve) => (items.length > 0 ? resolve(items.shift() as Delivery) : waiting.push(resolve))),
  };
}

await describeWith(["amqp"], "amqp transport", () => {
  const prefix = uniquePrefix("amqp");
  const nodes = ["node-a", "node-b"];
  let hub: Transport;
  let node: Transport;
  const open = (name: string) => connectAmqp({ url: SERVICES.amqp.url, ...testConnection(prefix, name), deliveryLimit: 3 });

  beforeAll(async () => {
    hub = await open("hub");
    await hub.declare({ role: "hub", nodeIds: nodes });
    node = await open("node-a");
    await node.declare({ role: "node", nodeId: "node-a" });
  });
  afterAll(async () => {
    await node?.close();
    await hub?.close();
    await deleteAmqpPrefix(SERVICES.amqp.url, prefix, [...nodes, "node-late"]);
  });

  it("carries a run-query to its node with the route, messageId and publisher identity", async () => {
    const box = inbox();
    const sub = await node.consume({ from: "node", nodeId: "node-a" }, box.handler);
    await hub.publish({ to: "node", nodeId: "node-a" }, text('{"q":1}'), { messageId: "m-1" });
    const d = await box.next();
    expect(read(d)).toBe('{"q":1}');
    expect(d).toMatchObject({ messageId: "m-1", routeKind: "query", routeNodeId: "node-a", authenticatedUser: "guest" });
    expect(d).toMatchObject({ redelivered: false, deliveryCount: 1, deadReason: undefined });
    await d.ack();
    await sub.stop();
    expect(hub.connected()).toBe(true);
  });

  it("rejects a publish to a node without a queue instead of dropping it", async () => {
    await expect(hub.publish({ to: "node", nodeId: "nobody" }, text("{}"), { messageId: "m-2" })).rejects.toBeInstanceOf(UnroutableError);
    // The publisher channel is still usable afterwards.
    await hub.publish({ to: "hub", kind: "heartbeat", nodeId: "node-a" }, text("{}"), { messageId: "m-3" });
    const box = inbox();
    const sub = await hub.consume({ from: "hub" }, box.handler);
    const d = await box.next();
    expect(d).toMatchObject({ messageId: "m-3", routeKind: "heartbeat", routeNodeId: "node-a" });
    await d.ack();
    await sub.stop();
  });

  it("redelivers a nacked message with a growing delivery count, then dead-letters it past the limit", async () => {
    const box = inbox();
    const dead = inbox();
    const sub = await node.consume({ from: "node", nodeId: "node-a" }, box.handler);
    const deadSub = await hub.consume({ from: "dead" }, dead.handler);
    await hub.publish({ to: "node", nodeId: "node-a" }, text("poison"), { messageId: "m-poison" });
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const d = await box.next();
      counts.push(d.deliveryCount);
      if (i > 0) expect(d.redelivered).toBe(true);
      await d.nack({ requeue: true });
    }
    expect(counts).toEqual([1, 2, 3]);
    const d = await dead.next();
    expect(d).toMatchObject({ messageId: "m-poison", routeKind: "dead", routeNodeId: "node-a", deadReason: DELIVERY_LIMIT_REASON });
    expect(read(d)).toBe("poison");
    await d.ack();
    await sub.stop();
    await deadSub.stop();
  });

  it("dead-letters on request with the reason in x-qnet-reason", async () => {
    const box = inbox();
    const dead = inbox();
    const sub = await hub.consume({ from: "hub" }, box.handler);
    const deadSub = await hub.consume({ from: "dead" }, dead.handler);
    await node.publish({ to: "hub", kind: "result", nodeId: "node-a" }, text("not json"), { messageId: "m-bad" });
    const d = await box.next();
    expect(d.routeKind).toBe("result");
    await d.deadLetter("schema: not JSON");
    const gone = await dead.next();
    expect(gone).toMatchObject({ messageId: "m-bad", deadReason: "schema: not JSON", routeKind: "dead", routeNodeId: "node-a" });
    expect(gone.headers["x-qnet-reason"]).toBe("schema: not JSON");
    await gone.ack();
    await sub.stop();
    await deadSub.stop();
  });

  it("lets a node create its own queue when the hub did not know it", async () => {
    const late = await open("node-late");
    try {
      await late.declare({ role: "node", nodeId: "node-late" });
      const box = inbox();
      const sub = await late.consume({ from: "node", nodeId: "node-late" }, box.handler);
      await hub.publish({ to: "node", nodeId: "node-late" }, text("hi"), { messageId: "m-late" });
      const d = await box.next();
      expect(d.routeNodeId).toBe("node-late");
      await d.ack();
      await sub.stop();
      // Declaring again finds the queue and leaves it alone.
      await late.declare({ role: "node", nodeId: "node-late" });
    } finally {
      await late.close();
    }
  });

  describe("prefetch", () => {
    it("holds back deliveries beyond the prefetch until some are acked", async () => {
      const box = inbox();
      const sub = await node.consume({ from: "node", nodeId: "node-b" }, box.handler, { prefetch: 2 });
      for (let i = 0; i < 4; i++) await hub.publish({ to: "node", nodeId: "node-b" }, text(`p${i}`), { messageId: `p${i}` });
      const first = [await box.next(), await box.next()];
      // With two unacked, the third only comes after an ack.
      const third = box.next();
      const raced = await Promise.race([
        third.then(() => "delivered"),
        hub.publish({ to: "node", nodeId: "node-b" }, text("p4"), { messageId: "p4" }).then(() => "published"),
      ]);
      expect(raced).toBe("published");
      await first[0]?.ack();
      const t = await third;
      expect(read(t)).toBe("p2");
      await first[1]?.ack();
      await t.ack();
      for (let i = 0; i < 2; i++) await (await box.next()).ack();
      await sub.stop();
    });
  });
});
