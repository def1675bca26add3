import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../time/seededRandom.ts";
import { VirtualClock } from "../../time/virtualClock.ts";
import { DELIVERY_LIMIT_REASON } from "../routing.ts";
import { UnroutableError } from "../../ports/transport.ts";
import { type BrokerDelivery, DeliveryNotHeldError, MemoryBroker, UnknownQueueError } from "./broker.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

function setup() {
  const clock = new VirtualClock();
  const broker = new MemoryBroker({ clock, random: new SeededRandom(1) });
  broker.declareQueue("dead");
  broker.declareQueue("work", { deliveryLimit: 3, deadLetterQueue: "dead" });
  broker.bind("work", "p.query.n1");
  broker.bind("dead", "p.dead.>");
  const publish = (id: string, address = "p.query.n1") =>
    broker.publish(address, { body: bytes(id), messageId: id, headers: {}, publisher: undefined, deadReason: undefined });
  /** A consumer that records what it is handed and settles nothing by itself. */
  const consumer = (queue = "work", prefetch = 100) => {
    const connection = broker.openConnection();
    const got: BrokerDelivery[] = [];
    const tag = broker.consume(connection, queue, prefetch, (d) => got.push(d));
    return { connection, got, tag, ids: () => got.map((d) => d.message.messageId) };
  };
  return { clock, broker, publish, consumer };
}

describe("MemoryBroker", () => {
  it("delivers nothing inside publish: only when the clock moves", async () => {
    const { clock, publish, consumer } = setup();
    const c = consumer();
    publish("m1");
    expect(c.got).toHaveLength(0);
    await clock.advance(0);
    expect(c.ids()).toEqual(["m1"]);
    expect(c.got[0]).toMatchObject({ redelivered: false, deliveryCount: 1, queue: "work" });
  });

  it("refuses an address no queue is bound to, and a consumer of an unknown queue", () => {
    const { broker, publish } = setup();
    expect(() => publish("m1", "p.query.nobody")).toThrow(UnroutableError);
    expect(() => broker.consume(broker.openConnection(), "nowhere", 1, () => undefined)).toThrow(UnknownQueueError);
  });

  it("routes by wildcard bindings to every bound queue", async () => {
    const { clock, broker, publish, consumer } = setup();
    broker.declareQueue("audit");
    broker.bind("audit", "p.query.*");
    const work = consumer("work");
    const audit = consumer("audit");
    publish("m1");
    publish("m2", "p.query.n2");
    await clock.advance(0);
    expect(work.ids()).toEqual(["m1"]);
    expect(audit.ids()).toEqual(["m1", "m2"]);
  });

  it("hands a queue's messages round-robin to competing consumers", async () => {
    const { clock, publish, consumer } = setup();
    const cs = [consumer(), consumer(), consumer()];
    for (let i = 0; i < 9; i++) publish(`m${i}`);
    await clock.advance(0);
    expect(cs.map((c) => c.ids())).toEqual([
      ["m0", "m3", "m6"],
      ["m1", "m4", "m7"],
      ["m2", "m5", "m8"],
    ]);
  });

  it("keeps at most prefetch deliveries unacked per consumer", async () => {
    const { clock, broker, publish, consumer } = setup();
    const c = consumer("work", 2);
    for (let i = 0; i < 5; i++) publish(`m${i}`);
    await clock.advance(0);
    expect(c.ids()).toEqual(["m0", "m1"]);
    expect(broker.queueInfo("work")).toMatchObject({ ready: 3, unacked: 2 });
    broker.ack(c.got[0]!.tag);
    await clock.advance(0);
    expect(c.ids()).toEqual(["m0", "m1", "m2"]);
  });

  it("requeues a nacked message to the head, redelivered, and dead-letters it past the delivery limit", async () => {
    const { clock, broker, publish, consumer } = setup();
    const c = consumer();
    const dead = consumer("dead");
    publish("poison");
    publish("fine");
    await clock.advance(0);
    broker.ack(c.got[1]!.tag);
    for (let i = 0; i < 3; i++) {
      const d = i === 0 ? c.got[0]! : c.got.at(-1)!;
      expect(d).toMatchObject({ redelivered: i > 0, deliveryCount: i + 1 });
      broker.nack(d.tag, { requeue: true });
      await clock.advance(0);
    }
    expect(c.ids()).toEqual(["poison", "fine", "poison", "poison"]);
    expect(dead.ids()).toEqual(["poison"]);
    expect(dead.got[0]!.message).toMatchObject({ deadReason: DELIVERY_LIMIT_REASON, address: "p.query.n1" });
    expect(dead.got[0]!.deliveryCount).toBe(1);
    expect(broker.queueInfo("work")).toMatchObject({
      delivered: 4,
      redelivered: 2,
      requeued: 2,
      acked: 1,
      deadLetteredOut: 1,
      ready: 0,
      unacked: 0,
    });
    expect(broker.queueInfo("dead")).toMatchObject({ deadLettered: 1 });
  });

  it("dead-letters a message nacked without requeue", async () => {
    const { clock, broker, publish, consumer } = setup();
    const c = consumer();
    const dead = consumer("dead");
    publish("no");
    await clock.advance(0);
    broker.nack(c.got[0]!.tag, { requeue: false });
    await clock.advance(0);
    expect(dead.got[0]!.message.deadReason).toBe("rejected without requeue");
  });

  it("requeues after delayMs, at the tail", async () => {
    const { clock, broker, publish, consumer } = setup();
    const c = consumer();
    publish("later");
    await clock.advance(0);
    broker.nack(c.got[0]!.tag, { requeue: true, delayMs: 500 });
    publish("now");
    await clock.advance(499);
    expect(c.ids()).toEqual(["later", "now"]);
    expect(broker.queueInfo("work").delayed).toBe(1);
    await clock.advance(1);
    expect(c.ids()).toEqual(["later", "now", "later"]);
  });

  it("returns what a closed connection held to the head of the queue, in order, redelivered", async () => {
    const { clock, broker, publish, consumer } = setup();
    const crashing = consumer("work", 2);
    for (let i = 0; i < 4; i++) publish(`m${i}`);
    await clock.advance(0);
    broker.closeConnection(crashing.connection);
    expect(() => broker.ack(crashing.got[0]!.tag)).toThrow(DeliveryNotHeldError);
    const survivor = consumer();
    await clock.advance(0);
    expect(survivor.ids()).toEqual(["m0", "m1", "m2", "m3"]);
    expect(survivor.got.map((d) => d.redelivered)).toEqual([true, true, false, false]);
  });

  it("lets a cancelled consumer settle what it holds, and hands it nothing new", async () => {
    const { clock, broker, publish, consumer } = setup();
    const c = consumer();
    publish("m0");
    await clock.advance(0);
    broker.cancel(c.connection, c.tag);
    publish("m1");
    await clock.advance(0);
    expect(c.ids()).toEqual(["m0"]);
    broker.ack(c.got[0]!.tag);
    expect(() => broker.ack(c.got[0]!.tag)).toThrow(DeliveryNotHeldError);
    expect(broker.queueInfo("work")).toMatchObject({ ready: 1, unacked: 0, consumers: 0 });
  });

  it("sums counters over the queues of one prefix", async () => {
    const { clock, broker, publish, consumer } = setup();
    broker.declareQueue("other.q");
    broker.bind("other.q", "other.x");
    publish("m0");
    broker.publish("other.x", { body: bytes("x"), messageId: "x", headers: {}, publisher: undefined, deadReason: undefined });
    consumer();
    await clock.advance(0);
    expect(broker.stats()).toMatchObject({ published: 2, delivered: 1, unacked: 1, ready: 1 });
    expect(broker.stats("other.")).toMatchObject({ published: 1, delivered: 0, ready: 1 });
  });
});
