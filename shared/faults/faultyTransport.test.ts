import { describe, expect, it } from "vitest";
import { type Delivery, type DeliveryHandler, type Transport, TransportClosedError } from "../ports/transport.ts";
import { SeededRandom } from "../time/seededRandom.ts";
import { VirtualClock } from "../time/virtualClock.ts";
import { FaultBoard } from "./board.ts";
import { FaultyTransport } from "./faultyTransport.ts";

/** A broker client that hands the deliveries it is given to its one consumer, and records their settlements. */
function handingBroker() {
  const settled: string[] = [];
  let consumer: DeliveryHandler = async () => {};
  const transport: Transport = {
    name: "amqp",
    declare: async () => {},
    publish: async () => {},
    consume: async (_source, handler) => {
      consumer = handler;
      return { stop: async () => {} };
    },
    connected: () => true,
    close: async () => {},
  };
  const deliver = (messageId: string) => {
    const delivery: Delivery = {
      body: new Uint8Array(),
      messageId,
      routeNodeId: "site-a",
      routeKind: "result",
      authenticatedUser: undefined,
      headers: {},
      redelivered: false,
      deliveryCount: 1,
      deadReason: undefined,
      ack: async () => void settled.push(`ack ${messageId}`),
      nack: async () => void settled.push(`nack ${messageId}`),
      deadLetter: async () => void settled.push(`dead ${messageId}`),
    };
    return consumer(delivery);
  };
  return { transport, settled, deliver };
}

describe("a participant's transport with the faults around it", () => {
  it("settles nothing once its connection is closed, as a crashed process acks nothing", async () => {
    const clock = new VirtualClock();
    const broker = handingBroker();
    const hub = new FaultyTransport(broker.transport, "hub", {
      board: new FaultBoard(clock),
      clock,
      random: new SeededRandom(1),
      tap: { faulted: () => {}, published: () => {}, handled: () => {} },
    });
    const refusals: unknown[] = [];
    await hub.consume({ from: "hub" }, async (d) => {
      if (d.messageId === "late") await hub.close();
      await d.ack().catch((err) => refusals.push(err));
    });
    await broker.deliver("early");
    await broker.deliver("late");
    expect(broker.settled).toEqual(["ack early"]);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toBeInstanceOf(TransportClosedError);
  });

  it("holds a publish the broker blocks, unconfirmed, until the alarm clears; a block of the hub holds no node's", async () => {
    const clock = new VirtualClock();
    const board = new FaultBoard(clock);
    const sent: string[] = [];
    const faulted: string[] = [];
    const broker: Transport = { ...handingBroker().transport, publish: async (_route, _body, o) => void sent.push(o.messageId) };
    const deps = {
      board,
      clock,
      random: new SeededRandom(1),
      tap: { faulted: (who: string, what: string) => void faulted.push(`${who}: ${what}`), published: () => {}, handled: () => {} },
    };
    const hub = new FaultyTransport(broker, "hub", deps);
    const site = new FaultyTransport(broker, "site-a", deps);
    board.blockPublishes("hub");
    const confirmed: string[] = [];
    const held = hub.publish({ to: "node", nodeId: "site-a" }, new Uint8Array(), { messageId: "run" }).then(() => confirmed.push("run"));
    await site.publish({ to: "hub", nodeId: "site-a", kind: "result" }, new Uint8Array(), { messageId: "update" });
    await Promise.resolve();
    expect([sent, confirmed]).toEqual([["update"], []]);
    board.unblockPublishes("hub");
    await held;
    expect([sent, confirmed, faulted]).toEqual([["update", "run"], ["run"], ["hub: publish blocked until the alarm cleared"]]);
  });
});
