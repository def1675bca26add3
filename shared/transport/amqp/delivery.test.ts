import type { ConsumeMessage } from "amqplib";
import { describe, expect, it } from "vitest";
import { readDelivery } from "./delivery.ts";

function message(headers: unknown, fields: Partial<{ redelivered: unknown; routingKey: unknown }> = {}): ConsumeMessage {
  return {
    content: Buffer.from("{}"),
    fields: { deliveryTag: 1, redelivered: false, exchange: "x", routingKey: "result.hospital-a", ...fields },
    properties: { headers, messageId: "m-1" },
  } as unknown as ConsumeMessage;
}

describe("readDelivery (AMQP)", () => {
  it("counts deliveries from the quorum queue's x-delivery-count, as a number or decimal text", () => {
    expect(readDelivery(message({}), { from: "hub" }).deliveryCount).toBe(1);
    expect(readDelivery(message({ "x-delivery-count": 2 }), { from: "hub" })).toMatchObject({ deliveryCount: 3, redelivered: true });
    expect(readDelivery(message({ "x-delivery-count": "4" }), { from: "hub" }).deliveryCount).toBe(5);
    expect(readDelivery(message({}, { redelivered: true }), { from: "hub" })).toMatchObject({ deliveryCount: 2, redelivered: true });
  });

  it.each([["-1"], [-1], [1.5], ["2x"], [{}], [null], [true]])("reads an odd x-delivery-count %j as absent", (count) => {
    expect(readDelivery(message({ "x-delivery-count": count }), { from: "hub" }).deliveryCount).toBe(1);
  });

  it.each([[null], [undefined], ["text"], [[1, 2]], [Buffer.from("x")], [42]])(
    "reads odd headers %j as none, never throwing",
    (headers) => {
      const facts = readDelivery(message(headers), { from: "hub" });
      expect(facts.headers).toEqual({});
      expect(facts).toMatchObject({ messageId: "m-1", routeKind: "result", routeNodeId: "hospital-a", deliveryCount: 1 });
    },
  );

  it("keeps scalar headers as text and leaves the broker's tables out", () => {
    const facts = readDelivery(message({ a: "x", n: 3, b: true, death: [{ reason: "rejected" }], buf: Buffer.from("y") }), { from: "hub" });
    expect(facts.headers).toEqual({ a: "x", n: "3", b: "true", buf: "y" });
  });
});
