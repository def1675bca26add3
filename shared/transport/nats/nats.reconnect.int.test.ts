import { existsSync } from "node:fs";
import { expect, it } from "vitest";
import type { Delivery, Transport } from "../../ports/transport.ts";
import { NATS_SERVER_BINARY, startNatsServer } from "../../testing/natsServer.ts";
import { testConnection } from "../../testing/connections.ts";
import { pollUntil } from "../../testing/net.ts";
import { connectNats } from "./transport.ts";

const haveServer = existsSync(NATS_SERVER_BINARY);

it.skipIf(!haveServer)("nats transport keeps consuming across a server restart and loses no confirmed message", async () => {
  const server = await startNatsServer();
  const opened: Transport[] = [];
  try {
    const open = (name: string) => connectNats({ url: server.url, ...testConnection("reconnect", name) });
    const hub = await open("hub");
    const node = await open("node");
    opened.push(hub, node);
    await hub.declare({ role: "hub", nodeIds: ["n1"] });
    const seen = new Set<string>();
    await node.consume({ from: "node", nodeId: "n1" }, async (d: Delivery) => {
      if (d.messageId) seen.add(d.messageId);
      await d.ack();
    });
    const toNode = { to: "node", nodeId: "n1" } as const;
    const body = new TextEncoder().encode("{}");
    const beats = new Set<string>();
    await hub.consume({ from: "heartbeats" }, async (d: Delivery) => {
      if (d.messageId) beats.add(d.messageId);
      await d.ack();
    });
    let beat = 0;
    /** Heartbeats, one after another, until the hub's own subscription has one: what is sent before it is there is lost to it. */
    const beatUntilSeen = async (what: string) => {
      const from = beat;
      await pollUntil(what, 30_000, async () => {
        await node.publish({ to: "hub", kind: "heartbeat", nodeId: "n1" }, body, { messageId: `beat-${beat++}` });
        return [...beats].some((id) => Number(id.slice(5)) >= from);
      });
    };
    await beatUntilSeen("a heartbeat on the hub's own subscription");

    await hub.publish(toNode, body, { messageId: "before" });
    await pollUntil("the first message", 30_000, () => seen.has("before"), { everyMs: 10 });

    await server.halt();
    await pollUntil("both to notice the server going away", 30_000, () => !node.connected() && !hub.connected(), { everyMs: 10 });
    // Publishes made while the server is down wait for it, and resolve only once stored.
    const confirmed: string[] = [];
    const pending = Array.from({ length: 10 }, (_, i) => `while-down-${i}`).map((id) =>
      hub.publish(toNode, body, { messageId: id }).then(() => confirmed.push(id)),
    );
    await server.start();
    await Promise.all(pending);
    expect(confirmed).toHaveLength(10);
    await pollUntil("both to reconnect", 30_000, () => node.connected() && hub.connected(), { everyMs: 10 });

    for (let i = 0; i < 5; i++) await hub.publish(toNode, body, { messageId: `after-${i}` });
    await pollUntil("everything after the restart", 30_000, () => seen.size === 16, { everyMs: 10 });
    expect([...seen].filter((id) => id.startsWith("while-down-"))).toHaveLength(10);
    // The client renewed the hub's heartbeat subscription on the restarted server.
    await beatUntilSeen("a heartbeat on the hub's own subscription after the restart");
  } finally {
    for (const t of opened) await t.close();
    await server.stop();
  }
});
