import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import type { Delivery, Transport } from "../../ports/transport.ts";
import { testConnection } from "../../testing/connections.ts";
import { pollUntil } from "../../testing/net.ts";
import { describeWith, SERVICES, uniquePrefix } from "../../testing/services.ts";
import { deleteAmqpPrefix } from "./declare.ts";
import { connectAmqp } from "./transport.ts";

const run = promisify(execFile);

/** Closes, broker-side, only the connections this run named, so other suites on the broker are untouched. */
async function closeConnectionsNamed(name: string): Promise<number> {
  const { stdout } = await run("rabbitmqctl", ["-q", "list_connections", "pid", "client_properties"]);
  const pids = stdout
    .split("\n")
    .filter((line) => line.includes(`{"connection_name","${name}"}`))
    .map((line) => line.split("\t")[0] as string);
  for (const pid of pids) await run("rabbitmqctl", ["-q", "close_connection", pid, "qnet reconnect test"]);
  return pids.length;
}

const rabbitmqctl = await run("rabbitmqctl", ["-q", "status"]).then(
  () => true,
  () => false,
);

await describeWith(["amqp"], "amqp transport across a dropped connection", () => {
  const prefix = uniquePrefix("amqprc");
  const open = (name: string) => connectAmqp({ url: SERVICES.amqp.url, ...testConnection(prefix, name) });
  const opened: Transport[] = [];
  afterAll(async () => {
    for (const t of opened) await t.close();
    await deleteAmqpPrefix(SERVICES.amqp.url, prefix, ["n1"]);
  });

  it.skipIf(!rabbitmqctl)("resumes consuming and loses no confirmed message when the broker closes its connections", async () => {
    const hub = await open("hub");
    const node = await open("node");
    opened.push(hub, node);
    await hub.declare({ role: "hub", nodeIds: ["n1"] });
    await node.declare({ role: "node", nodeId: "n1" });
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

    // The node's connection drops; the queue keeps what is published meanwhile.
    expect(await closeConnectionsNamed(`${prefix}-node`)).toBe(1);
    await pollUntil("the node to notice its connection closing", 30_000, () => !node.connected(), { everyMs: 10 });
    for (let i = 0; i < 5; i++) await hub.publish(toNode, body, { messageId: `while-node-down-${i}` });
    await pollUntil("the node to reconnect", 30_000, () => node.connected(), { everyMs: 10 });
    await pollUntil("everything published while the node was away", 30_000, () => seen.size === 6, { everyMs: 10 });

    // The hub's connection drops while it publishes: those publishes wait for the reconnect and are confirmed.
    expect(await closeConnectionsNamed(`${prefix}-hub`)).toBe(1);
    const confirmed: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => `during-hub-drop-${i}`).map((id) =>
        hub.publish(toNode, body, { messageId: id }).then(() => confirmed.push(id)),
      ),
    );
    expect(confirmed).toHaveLength(20);
    await pollUntil("every confirmed message", 30_000, () => confirmed.every((id) => seen.has(id)), { everyMs: 10 });
    expect(hub.connected()).toBe(true);
    // Its exclusive heartbeat queue went with the old connection; the new one has its own again.
    await beatUntilSeen("a heartbeat on the hub's own subscription after its connection dropped");
  });
});
