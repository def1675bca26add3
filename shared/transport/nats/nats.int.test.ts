import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Delivery } from "../../ports/transport.ts";
import { testConnection } from "../../testing/connections.ts";
import { describeWith, SERVICES, uniquePrefix } from "../../testing/services.ts";
import { systemClock } from "../../time/systemClock.ts";
import { natsNames } from "./topology.ts";
import { connectNats, deleteNatsPrefix, type NatsTransport } from "./transport.ts";

await describeWith(["nats"], "nats transport", () => {
  const prefix = uniquePrefix("nats");
  const names = natsNames(prefix);
  let hub: NatsTransport;
  const open = (name: string) => connectNats({ url: SERVICES.nats.url, ...testConnection(prefix, name), deliveryLimit: 4 });

  beforeAll(async () => {
    hub = await open("hub");
    await hub.declare({ role: "hub", nodeIds: ["n1"] });
  });
  afterAll(async () => {
    await hub?.close();
    await deleteNatsPrefix(SERVICES.nats.url, prefix);
  });

  it("declares the streams and consumers of PROTOCOL.md section 5, and a late node only its own consumer", async () => {
    const node = await open("late");
    await node.declare({ role: "node", nodeId: "late" });
    await node.close();
    const nc = await connect({ servers: SERVICES.nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const p = prefix.toUpperCase().replace(/[^A-Z0-9]/g, "_");
      expect((await jsm.streams.info(`${p}_QUERIES`)).config.subjects).toEqual([`${prefix}.query.>`]);
      expect((await jsm.streams.info(`${p}_RESULTS`)).config.subjects).toEqual([`${prefix}.result.>`, `${prefix}.heartbeat.>`]);
      expect((await jsm.streams.info(`${p}_DEAD`)).config.subjects).toEqual([`${prefix}.dead.>`]);
      const n1 = await jsm.consumers.info(names.queriesStream, "node-n1");
      expect(n1.config).toMatchObject({ filter_subject: `${prefix}.query.n1`, max_deliver: 4, ack_policy: "explicit" });
      expect((await jsm.consumers.info(names.queriesStream, "node-late")).config.filter_subject).toBe(`${prefix}.query.late`);
      expect((await jsm.consumers.info(names.resultsStream, "hub")).config.ack_policy).toBe("explicit");
    } finally {
      await nc.close();
    }
  });

  it("sets Nats-Msg-Id to the messageId, so a resend inside the duplicate window is stored once", async () => {
    const got: Delivery[] = [];
    const sub = await hub.consume({ from: "hub" }, async (d) => {
      got.push(d);
      await d.ack();
    });
    const beat = { to: "hub", kind: "heartbeat", nodeId: "n1" } as const;
    await hub.publish(beat, new TextEncoder().encode("1"), { messageId: "same" });
    await hub.publish(beat, new TextEncoder().encode("1"), { messageId: "same" });
    await hub.publish(beat, new TextEncoder().encode("2"), { messageId: "other" });
    for (let i = 0; i < 1000 && got.length < 2; i++) await systemClock.sleep(10);
    expect(got.map((d) => d.messageId)).toEqual(["same", "other"]);
    expect(got[0]?.headers["Nats-Msg-Id"]).toBe("same");
    await sub.stop();
  });

  it("redelivers a message nacked with a delay", async () => {
    const got: Delivery[] = [];
    const sub = await hub.consume({ from: "node", nodeId: "n1" }, async (d) => {
      got.push(d);
      if (d.deliveryCount === 1) await d.nack({ requeue: true, delayMs: 200 });
      else await d.ack();
    });
    await hub.publish({ to: "node", nodeId: "n1" }, new TextEncoder().encode("later"), { messageId: "delayed" });
    for (let i = 0; i < 1000 && got.length < 2; i++) await systemClock.sleep(10);
    expect(got.map((d) => [d.messageId, d.deliveryCount, d.redelivered])).toEqual([
      ["delayed", 1, false],
      ["delayed", 2, true],
    ]);
    await sub.stop();
  });

  it("rejects consuming from a consumer nobody declared", async () => {
    await expect(hub.consume({ from: "node", nodeId: "nobody" }, async () => undefined)).rejects.toThrow(/node-nobody/);
  });
});
