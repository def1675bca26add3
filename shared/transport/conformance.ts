import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ConsumeOptions,
  type Delivery,
  type Source,
  type Transport,
  TransportClosedError,
  UnroutableError,
} from "../ports/transport.ts";
import { uniquePrefix } from "../testing/services.ts";
import { systemClock } from "../time/systemClock.ts";
import { DELIVERY_LIMIT_REASON } from "./routing.ts";

/**
 * The one contract every transport keeps (shared/ports/transport.ts), as tests. An engine's test
 * file calls `transportConformance(name, setup)` inside its describe (or describeWith) and the
 * suite registers its cases. It runs in real time; every wait polls a condition up to `waitMs`.
 */

export interface TransportFactoryOptions {
  /**
   * Deliveries of one message at most on the queues (or durable consumers) this transport
   * declares: a message nacked with requeue on its deliveryLimit-th delivery is dead-lettered with
   * reason DELIVERY_LIMIT_REASON (RabbitMQ: quorum queue x-delivery-limit; NATS: max_deliver plus
   * the max-deliveries advisory). Absent: the engine's default.
   */
  deliveryLimit?: number;
}

export interface ConformanceSetup {
  /**
   * A new participant under the prefix: its own connection, connected, nothing declared (the
   * suite declares what each case needs). Called several times per prefix, e.g. a hub and nodes.
   * The suite closes every transport it was given.
   */
  make(prefix: string, options?: TransportFactoryOptions): Promise<Transport>;
  /** Deletes what a prefix left on the broker, after its transports are closed; nodeIds are every node declared under it. */
  cleanup?(prefix: string, nodeIds: readonly string[]): Promise<void>;
  /**
   * Longest wait for something that must happen, in ms (default 10 000). An engine that redelivers
   * the messages of a dropped connection only after an ack wait needs that wait to fit in here.
   */
  waitMs?: number;
}

const encode = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

async function waitFor(condition: () => boolean, what: string, waitMs: number): Promise<void> {
  const deadline = systemClock.now() + waitMs;
  while (!condition()) {
    if (systemClock.now() > deadline) throw new Error(`waited ${waitMs} ms for ${what}`);
    await systemClock.sleep(5);
  }
}

/** Deliveries as they arrive, with an optional reaction to each. */
class Inbox {
  readonly received: Delivery[] = [];
  /** Deliveries whose reaction has finished. */
  handled = 0;
  private taken = 0;

  constructor(
    private readonly waitMs: number,
    private readonly react: (d: Delivery, inbox: Inbox) => Promise<void> = async () => undefined,
  ) {}

  readonly handler = async (d: Delivery): Promise<void> => {
    this.received.push(d);
    await this.react(d, this);
    this.handled++;
  };

  ids(): (string | undefined)[] {
    return this.received.map((d) => d.messageId);
  }

  /** The next delivery not yet taken. */
  async next(what = "a delivery"): Promise<Delivery> {
    await waitFor(() => this.received.length > this.taken, what, this.waitMs);
    return this.received[this.taken++] as Delivery;
  }

  async count(n: number, what = `${n} deliveries`): Promise<void> {
    await waitFor(() => this.received.length >= n, what, this.waitMs);
  }

  async handledCount(n: number, what = `${n} deliveries handled`): Promise<void> {
    await waitFor(() => this.handled >= n, what, this.waitMs);
  }
}

/** The transports and prefixes of one case, closed and cleaned up after it. */
class Case {
  private readonly transports: Transport[] = [];
  private readonly prefixes = new Map<string, Set<string>>();
  private seq = 0;

  constructor(readonly setup: ConformanceSetup) {}

  get waitMs(): number {
    return this.setup.waitMs ?? 10_000;
  }

  inbox(react?: (d: Delivery, inbox: Inbox) => Promise<void>): Inbox {
    return new Inbox(this.waitMs, react);
  }

  prefix(label: string): string {
    const p = uniquePrefix(`${label}${this.seq++}`);
    this.prefixes.set(p, new Set());
    return p;
  }

  async open(prefix: string, options?: TransportFactoryOptions): Promise<Transport> {
    const t = await this.setup.make(prefix, options);
    this.transports.push(t);
    return t;
  }

  async hub(prefix: string, nodeIds: string[], options?: TransportFactoryOptions): Promise<Transport> {
    const t = await this.open(prefix, options);
    for (const id of nodeIds) this.prefixes.get(prefix)?.add(id);
    await t.declare({ role: "hub", nodeIds });
    return t;
  }

  async node(prefix: string, nodeId: string, options?: TransportFactoryOptions): Promise<Transport> {
    const t = await this.open(prefix, options);
    this.prefixes.get(prefix)?.add(nodeId);
    await t.declare({ role: "node", nodeId });
    return t;
  }

  /** Consumes into a new inbox. */
  async consume(t: Transport, source: Source, options?: ConsumeOptions, react?: (d: Delivery, inbox: Inbox) => Promise<void>) {
    const inbox = this.inbox(react);
    const subscription = await t.consume(source, inbox.handler, options);
    return { inbox, subscription };
  }

  async dispose(): Promise<void> {
    for (const t of this.transports) await t.close().catch(() => undefined);
    for (const [p, nodeIds] of this.prefixes) await this.setup.cleanup?.(p, [...nodeIds]);
  }
}

const NODE = "node-1";
const toNode = { to: "node", nodeId: NODE } as const;
const fromNode = { from: "node", nodeId: NODE } as const;
const ack = async (d: Delivery) => d.ack();

export function transportConformance(name: string, setup: ConformanceSetup): void {
  describe(`transport conformance: ${name}`, () => {
    let c: Case;
    beforeEach(() => {
      c = new Case(setup);
    });
    afterEach(async () => {
      await c.dispose();
    });

    it("carries a run-query to its node and results and heartbeats to the hub, with messageId, route kind and node id", async () => {
      const p = c.prefix("trip");
      const hub = await c.hub(p, [NODE]);
      const node = await c.node(p, NODE);
      const atNode = (await c.consume(node, fromNode)).inbox;
      const atHub = (await c.consume(hub, { from: "hub" })).inbox;

      await hub.publish(toNode, encode("run-1"), { messageId: "m-query", headers: { "qnet-test": "yes" } });
      const q = await atNode.next("the run-query");
      expect(decode(q.body)).toBe("run-1");
      expect(q).toMatchObject({ messageId: "m-query", routeKind: "query", routeNodeId: NODE, redelivered: false, deliveryCount: 1 });
      expect(q.deadReason).toBeUndefined();
      expect(q.headers["qnet-test"]).toBe("yes");
      await q.ack();

      await node.publish({ to: "hub", kind: "result", nodeId: NODE }, encode("result-1"), { messageId: "m-result" });
      await node.publish({ to: "hub", kind: "heartbeat", nodeId: NODE }, encode("beat-1"), { messageId: "m-beat" });
      await atHub.count(2, "a result and a heartbeat at the hub");
      const byId = new Map(atHub.received.map((d) => [d.messageId, d]));
      expect(byId.get("m-result")).toMatchObject({ routeKind: "result", routeNodeId: NODE, deliveryCount: 1 });
      expect(decode(byId.get("m-result")?.body ?? new Uint8Array())).toBe("result-1");
      expect(byId.get("m-beat")).toMatchObject({ routeKind: "heartbeat", routeNodeId: NODE });
      for (const d of atHub.received) await d.ack();
    });

    it("forgets an acked message: a later consumer of the queue never sees it again", async () => {
      const p = c.prefix("ack");
      const hub = await c.hub(p, [NODE]);
      const first = await c.node(p, NODE);
      const before = (await c.consume(first, fromNode, {}, ack)).inbox;
      await hub.publish(toNode, encode("one"), { messageId: "m-acked" });
      await before.handledCount(1, "the ack");
      await first.close();

      const second = await c.node(p, NODE);
      const after = (await c.consume(second, fromNode, {}, ack)).inbox;
      await hub.publish(toNode, encode("two"), { messageId: "m-later" });
      await waitFor(() => after.ids().includes("m-later"), "the later message", c.waitMs);
      expect(after.ids()).toEqual(["m-later"]);
    });

    it("redelivers a message nacked with requeue, flagged redelivered with deliveryCount 2", async () => {
      const p = c.prefix("nack");
      const hub = await c.hub(p, [NODE]);
      const node = await c.node(p, NODE);
      const { inbox } = await c.consume(node, fromNode);
      await hub.publish(toNode, encode("again"), { messageId: "m-again" });
      const firstTry = await inbox.next();
      expect(firstTry).toMatchObject({ redelivered: false, deliveryCount: 1 });
      await firstTry.nack({ requeue: true });
      const secondTry = await inbox.next("the redelivery");
      expect(secondTry).toMatchObject({ messageId: "m-again", redelivered: true, deliveryCount: 2 });
      expect(decode(secondTry.body)).toBe("again");
      await secondTry.ack();
    });

    it("gives the unacked deliveries of a closed transport to another consumer, redelivered", async () => {
      const p = c.prefix("drop");
      const hub = await c.hub(p, [NODE]);
      const crashing = await c.node(p, NODE);
      const held = (await c.consume(crashing, fromNode)).inbox;
      await hub.publish(toNode, encode("held"), { messageId: "m-held" });
      await held.next();
      await crashing.close();
      expect(crashing.connected()).toBe(false);

      const survivor = await c.node(p, NODE);
      const { inbox } = await c.consume(survivor, fromNode, {}, ack);
      const d = await inbox.next("the redelivery after the connection closed");
      expect(d.messageId).toBe("m-held");
      expect(d.redelivered).toBe(true);
      expect(d.deliveryCount).toBeGreaterThanOrEqual(2);
    });

    it("dead-letters a message after deliveryLimit deliveries, with the delivery-limit reason", async () => {
      const p = c.prefix("limit");
      const limit = 3;
      const hub = await c.hub(p, [NODE], { deliveryLimit: limit });
      const node = await c.node(p, NODE, { deliveryLimit: limit });
      const tries = (await c.consume(node, fromNode, {}, (d) => d.nack({ requeue: true }))).inbox;
      const dead = (await c.consume(hub, { from: "dead" }, {}, ack)).inbox;
      await hub.publish(toNode, encode("poison"), { messageId: "m-poison" });

      const d = await dead.next("the dead letter");
      expect(d).toMatchObject({ messageId: "m-poison", routeKind: "dead", routeNodeId: NODE, deadReason: DELIVERY_LIMIT_REASON });
      expect(decode(d.body)).toBe("poison");
      expect(tries.received.map((t) => t.deliveryCount)).toEqual([1, 2, 3]);
    });

    it("dead-letters a message nacked without requeue, with a reason, and does not redeliver it", async () => {
      const p = c.prefix("reject");
      const hub = await c.hub(p, [NODE]);
      const node = await c.node(p, NODE);
      const tries = (await c.consume(node, fromNode, {}, (d) => (d.messageId === "m-reject" ? d.nack({ requeue: false }) : d.ack()))).inbox;
      const dead = (await c.consume(hub, { from: "dead" }, {}, ack)).inbox;
      await hub.publish(toNode, encode("no"), { messageId: "m-reject" });
      const d = await dead.next("the rejected message");
      expect(d).toMatchObject({ messageId: "m-reject", routeKind: "dead" });
      expect(d.deadReason).toEqual(expect.stringMatching(/\S/));

      await hub.publish(toNode, encode("next"), { messageId: "m-next" });
      await waitFor(() => tries.ids().includes("m-next"), "the next message", c.waitMs);
      expect(tries.ids()).toEqual(["m-reject", "m-next"]);
    });

    it("deadLetter(reason) from a handler lands in the dead destination with that reason, and only there", async () => {
      const p = c.prefix("deadletter");
      const hub = await c.hub(p, [NODE]);
      const node = await c.node(p, NODE);
      const reason = "invalid result-update: result.status: unknown status";
      const atHub = (await c.consume(hub, { from: "hub" }, {}, (d) => (d.messageId === "m-bad" ? d.deadLetter(reason) : d.ack()))).inbox;
      const dead = (await c.consume(hub, { from: "dead" }, {}, ack)).inbox;
      await node.publish({ to: "hub", kind: "result", nodeId: NODE }, encode("{not json"), { messageId: "m-bad" });

      const d = await dead.next("the dead letter");
      expect(d).toMatchObject({ messageId: "m-bad", routeKind: "dead", routeNodeId: NODE, deadReason: reason, redelivered: false });
      expect(decode(d.body)).toBe("{not json");

      await node.publish({ to: "hub", kind: "result", nodeId: NODE }, encode("{}"), { messageId: "m-good" });
      await waitFor(() => atHub.ids().includes("m-good"), "the next result", c.waitMs);
      expect(atHub.ids()).toEqual(["m-bad", "m-good"]);
    });

    it("keeps two prefixes on one broker apart", async () => {
      const pa = c.prefix("isoa");
      const pb = c.prefix("isob");
      const hubA = await c.hub(pa, [NODE]);
      const hubB = await c.hub(pb, [NODE]);
      const atA = (await c.consume(await c.node(pa, NODE), fromNode, {}, ack)).inbox;
      const atB = (await c.consume(await c.node(pb, NODE), fromNode, {}, ack)).inbox;
      const resultsA = (await c.consume(hubA, { from: "hub" }, {}, ack)).inbox;
      const resultsB = (await c.consume(hubB, { from: "hub" }, {}, ack)).inbox;

      const result = { to: "hub", kind: "result", nodeId: NODE } as const;
      const heartbeat = { to: "hub", kind: "heartbeat", nodeId: NODE } as const;
      await hubA.publish(toNode, encode("a"), { messageId: "a-query" });
      await hubB.publish(toNode, encode("b"), { messageId: "b-query" });
      await hubA.publish(result, encode("a"), { messageId: "a-result" });
      await hubB.publish(result, encode("b"), { messageId: "b-result" });
      await hubA.publish(heartbeat, encode("a"), { messageId: "a-beat" });
      await hubB.publish(heartbeat, encode("b"), { messageId: "b-beat" });
      // Each queue's last message: anything that crossed over was published, and so delivered, before it.
      await hubA.publish(toNode, encode("a"), { messageId: "a-end" });
      await hubB.publish(toNode, encode("b"), { messageId: "b-end" });
      await hubA.publish(heartbeat, encode("a"), { messageId: "a-hub-end" });
      await hubB.publish(heartbeat, encode("b"), { messageId: "b-hub-end" });
      for (const [inbox, end] of [
        [atA, "a-end"],
        [atB, "b-end"],
        [resultsA, "a-hub-end"],
        [resultsB, "b-hub-end"],
      ] as const) {
        await waitFor(() => inbox.ids().includes(end), end, c.waitMs);
      }
      expect(atA.ids().sort()).toEqual(["a-end", "a-query"]);
      expect(atB.ids().sort()).toEqual(["b-end", "b-query"]);
      expect(resultsA.ids().sort()).toEqual(["a-beat", "a-hub-end", "a-result"]);
      expect(resultsB.ids().sort()).toEqual(["b-beat", "b-hub-end", "b-result"]);
    });

    it("holds at most prefetch deliveries unacked at one consumer", async () => {
      const p = c.prefix("prefetch");
      const hub = await c.hub(p, [NODE]);
      const node = await c.node(p, NODE);
      const prefetch = 3;
      const total = 8;
      const outstanding = new Set<Delivery>();
      let most = 0;
      const { inbox } = await c.consume(node, fromNode, { prefetch }, async (d) => {
        outstanding.add(d);
        most = Math.max(most, outstanding.size);
      });
      const beats = (await c.consume(hub, { from: "hub" }, {}, ack)).inbox;
      for (let i = 0; i < total; i++) await hub.publish(toNode, encode(`p${i}`), { messageId: `p-${i}` });
      await inbox.count(prefetch);
      // A round trip through the broker: more deliveries, if it were to send them, would be on their way by now.
      await hub.publish({ to: "hub", kind: "heartbeat", nodeId: NODE }, encode("barrier"), { messageId: "barrier" });
      await beats.count(1, "the barrier heartbeat");
      expect(inbox.received.length).toBe(prefetch);

      while (inbox.received.length < total || outstanding.size > 0) {
        const oldest = outstanding.values().next().value as Delivery;
        outstanding.delete(oldest);
        const seen = inbox.received.length;
        await oldest.ack();
        if (seen < total) await inbox.count(seen + 1, "a delivery after an ack freed a slot");
      }
      expect(most).toBe(prefetch);
      expect(new Set(inbox.ids()).size).toBe(total);
    });

    it("shares one queue among competing consumers, each message to one of them", async () => {
      const p = c.prefix("compete");
      const hub = await c.hub(p, [NODE]);
      // Each delivery takes a little work, as a real handler does, so no consumer can drain the queue alone.
      const work = async (d: Delivery) => {
        await systemClock.sleep(10);
        await d.ack();
      };
      const a = (await c.consume(await c.node(p, NODE), fromNode, { prefetch: 2 }, work)).inbox;
      const b = (await c.consume(await c.node(p, NODE), fromNode, { prefetch: 2 }, work)).inbox;
      const total = 20;
      for (let i = 0; i < total; i++) await hub.publish(toNode, encode(`w${i}`), { messageId: `w-${i}` });
      await waitFor(() => a.received.length + b.received.length >= total, `${total} deliveries over both consumers`, c.waitMs);
      expect(a.received.length).toBeGreaterThan(0);
      expect(b.received.length).toBeGreaterThan(0);
      const all = [...a.ids(), ...b.ids()];
      expect(new Set(all).size).toBe(total);
      expect(all.length).toBe(total);
    });

    it("gives every heartbeat subscription its own copy of every heartbeat, while the hub queue still gets each once", async () => {
      const p = c.prefix("beats");
      const replicaA = await c.hub(p, [NODE, "node-2"]);
      const replicaB = await c.hub(p, [NODE, "node-2"]);
      const beatsA = (await c.consume(replicaA, { from: "heartbeats" }, {}, ack)).inbox;
      const beatsB = (await c.consume(replicaB, { from: "heartbeats" }, {}, ack)).inbox;
      const sharedA = (await c.consume(replicaA, { from: "hub" }, {}, ack)).inbox;
      const sharedB = (await c.consume(replicaB, { from: "hub" }, {}, ack)).inbox;
      const nodes = [await c.node(p, NODE), await c.node(p, "node-2")];
      const published: string[] = [];
      for (let i = 0; i < 5; i++) {
        for (const [k, nodeId] of [NODE, "node-2"].entries()) {
          const messageId = `beat-${nodeId}-${i}`;
          await nodes[k]?.publish({ to: "hub", kind: "heartbeat", nodeId }, encode(messageId), { messageId });
          published.push(messageId);
        }
      }
      // A result is for the hub queue alone: the last message in, so every heartbeat was delivered before it.
      await nodes[0]?.publish({ to: "hub", kind: "result", nodeId: NODE }, encode("r"), { messageId: "m-result" });
      const shared = () => [...sharedA.ids(), ...sharedB.ids()];
      await waitFor(() => shared().includes("m-result"), "the result on the hub queue", c.waitMs);
      for (const beats of [beatsA, beatsB]) await beats.count(published.length, "every heartbeat at each replica");
      for (const beats of [beatsA, beatsB]) {
        expect(beats.ids().sort()).toEqual([...published].sort());
        const first = beats.received.find((d) => d.messageId === "beat-node-2-0");
        expect(first).toMatchObject({ routeKind: "heartbeat", routeNodeId: "node-2" });
        expect(decode(first?.body ?? new Uint8Array())).toBe("beat-node-2-0");
      }
      await waitFor(() => shared().length >= published.length + 1, "every heartbeat on the hub queue", c.waitMs);
      expect(shared().sort()).toEqual([...published, "m-result"].sort());
    });

    it("stops a heartbeat subscription: the other one still gets every heartbeat", async () => {
      const p = c.prefix("beatsstop");
      const replicaA = await c.hub(p, [NODE]);
      const replicaB = await c.hub(p, [NODE]);
      const a = await c.consume(replicaA, { from: "heartbeats" }, {}, ack);
      const b = (await c.consume(replicaB, { from: "heartbeats" }, {}, ack)).inbox;
      const node = await c.node(p, NODE);
      const beat = (messageId: string) => node.publish({ to: "hub", kind: "heartbeat", nodeId: NODE }, encode(messageId), { messageId });
      await beat("beat-1");
      await a.inbox.count(1, "the first heartbeat");
      await a.subscription.stop();
      await beat("beat-2");
      await b.count(2, "both heartbeats at the replica still subscribed");
      expect(b.ids()).toEqual(["beat-1", "beat-2"]);
      expect(a.inbox.ids()).toEqual(["beat-1"]);
    });

    it("never drops a run-query to an undeclared node silently: it rejects, or keeps it for the node", async () => {
      const p = c.prefix("unroutable");
      const hub = await c.hub(p, [NODE]);
      const outcome = await hub.publish({ to: "node", nodeId: "ghost" }, encode("boo"), { messageId: "m-ghost" }).then(
        () => "accepted" as const,
        (error: unknown) => error,
      );
      if (outcome !== "accepted") {
        expect(outcome).toBeInstanceOf(UnroutableError);
        // The transport stays usable after the refusal.
        const atNode = (await c.consume(await c.node(p, NODE), fromNode, {}, ack)).inbox;
        await hub.publish(toNode, encode("ok"), { messageId: "m-ok" });
        expect((await atNode.next()).messageId).toBe("m-ok");
        return;
      }
      const ghost = await c.node(p, "ghost");
      const { inbox } = await c.consume(ghost, { from: "node", nodeId: "ghost" }, {}, ack);
      expect((await inbox.next("the run-query kept for the late node")).messageId).toBe("m-ghost");
    });

    it("stops a subscription: no new deliveries, and what it holds can still be acked", async () => {
      const p = c.prefix("stop");
      const hub = await c.hub(p, [NODE]);
      const node = await c.node(p, NODE);
      const { inbox, subscription } = await c.consume(node, fromNode);
      await hub.publish(toNode, encode("one"), { messageId: "m-one" });
      const held = await inbox.next();
      await subscription.stop();
      await held.ack();

      const next = (await c.consume(node, fromNode, {}, ack)).inbox;
      await hub.publish(toNode, encode("two"), { messageId: "m-two" });
      await waitFor(() => next.ids().includes("m-two"), "the message after stop", c.waitMs);
      expect(next.ids()).toEqual(["m-two"]);
      expect(inbox.ids()).toEqual(["m-one"]);
    });

    it("refuses to publish once closed, with TransportClosedError", async () => {
      const p = c.prefix("closed");
      const hub = await c.hub(p, [NODE]);
      expect(hub.connected()).toBe(true);
      await hub.close();
      expect(hub.connected()).toBe(false);
      await expect(hub.publish(toNode, encode("late"), { messageId: "m-late" })).rejects.toBeInstanceOf(TransportClosedError);
    });
  });
}
