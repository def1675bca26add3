import { existsSync } from "node:fs";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../shared/log.ts";
import type { Delivery, Transport } from "../../shared/ports/transport.ts";
import { encodeMessage, type Message } from "../../shared/protocol/messages.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import { NATS_SERVER_BINARY, type PrivateNatsServer, startNatsServer } from "../../shared/testing/natsServer.ts";
import { pollUntil } from "../../shared/testing/net.ts";
import { ladder, ScriptedNode } from "../../shared/testing/scriptedNode.ts";
import { SERVICES, describeWith, uniquePrefix } from "../../shared/testing/services.ts";
import { SeededRandom } from "../../shared/time/seededRandom.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { connectAmqp, deleteAmqpPrefix } from "../../shared/transport/amqp/mod.ts";
import { connectNats } from "../../shared/transport/nats/mod.ts";
import { type BrokerCredential, brokerEnv, networkCredentials } from "../../trust/credentials.ts";
import { natsServerConfig } from "../../trust/nats.ts";
import { createRabbitUsers, deleteRabbitUsers } from "../../trust/rabbitmq.ts";
import { type Hub, startHub } from "../hub.ts";

const SECRET = "spoofing-test-secret-0123456789";
const DEFINITION = { panels: [{ concepts: ["dx:E11.9"] }] };

/** A completed result proposing an absurd count, for a node, in an envelope naming `envelopeNodeId`. */
function forgedUpdate(queryId: string, envelopeNodeId: string, resultNodeId: string, messageId: string): Uint8Array {
  const at = new Date(systemClock.now()).toISOString();
  const message: Message = {
    type: "result-update",
    messageId,
    sentAt: at,
    nodeId: envelopeNodeId,
    result: {
      id: `${queryId}:${resultNodeId}`,
      queryId,
      nodeId: resultNodeId,
      versionInfo: { protocolVersion: 1, itemVersion: 99, createDate: at, changeDate: at },
      status: "completed",
      count: 987_654,
      obfuscation: { binSize: 5, stdDev: 6.5, noiseClamp: 10, lowLimit: 10 },
    },
  };
  return encodeMessage(message);
}

interface Network {
  hub: Hub;
  hubTransport: Transport;
  sites: ScriptedNode[];
  transports: Map<string, Transport>;
  dead: Delivery[];
  stop(): Promise<void>;
}

/** The hub and two honest sites, each on its own broker user, each reporting a count of its own. */
async function startNetwork(
  nodeIds: string[],
  connect: (who: BrokerCredential) => Promise<Transport>,
  credentials: ReturnType<typeof networkCredentials>,
): Promise<Network> {
  const hubTransport = await connect(credentials.hub);
  const hub = await startHub({
    transport: hubTransport,
    store: new MemoryStore({ clock: systemClock }),
    clock: systemClock,
    random: new SeededRandom("spoofing-hub"),
    log: silentLogger,
    nodeIds,
    resultTimeoutMs: 600_000,
    heartbeatMs: 60_000,
    prefetch: 64,
  });
  const dead: Delivery[] = [];
  const deadSub = await hubTransport.consume({ from: "dead" }, async (d) => {
    dead.push(d);
    await d.ack();
  });
  const transports = new Map<string, Transport>();
  const sites: ScriptedNode[] = [];
  for (const [i, nodeId] of nodeIds.entries()) {
    const transport = await connect(credentials.nodes.get(nodeId) as BrokerCredential);
    transports.set(nodeId, transport);
    const site = await ScriptedNode.start({
      nodeId,
      transport,
      clock: systemClock,
      random: new SeededRandom(`spoofing-${nodeId}`),
      script: () => ladder({ count: 120 + 125 * i, stepMs: 20 }),
    });
    sites.push(site);
  }
  return {
    hub,
    hubTransport,
    sites,
    transports,
    dead,
    async stop() {
      for (const s of sites) await s.stop();
      for (const t of transports.values()) await t.close();
      await deadSub.stop();
      await hub.stop();
      await hubTransport.close();
    },
  };
}

/**
 * One honest query, then node A forges results for node B three ways. The broker refuses the
 * publish on B's route; the hub dead-letters the others with a reason; B's row never moves.
 */
async function forgeryIsRefused(net: Network, nodeIds: [string, string], refusal: RegExp): Promise<void> {
  const [a, b] = nodeIds;
  const queryId = await net.hub.desk.submit({ definition: DEFINITION, researcherId: "dr-trust" });
  await pollUntil("the honest query to finish", 60_000, () => net.hub.view.get(queryId)?.status === "done", { everyMs: 20 });
  const before = JSON.stringify(net.hub.view.get(queryId));
  const rogue = net.transports.get(a) as Transport;

  await expect(
    rogue.publish({ to: "hub", kind: "result", nodeId: b }, forgedUpdate(queryId, b, b, "00000000-0000-4000-8000-00000000000b"), {
      messageId: "00000000-0000-4000-8000-00000000000b",
    }),
  ).rejects.toThrow(refusal);

  const onOwnRoute = "00000000-0000-4000-8000-00000000000a";
  const nested = "00000000-0000-4000-8000-00000000000c";
  await rogue.publish({ to: "hub", kind: "result", nodeId: a }, forgedUpdate(queryId, b, b, onOwnRoute), { messageId: onOwnRoute });
  await rogue.publish({ to: "hub", kind: "result", nodeId: a }, forgedUpdate(queryId, a, b, nested), { messageId: nested });
  await pollUntil(
    "both forgeries in the dead letters",
    60_000,
    () => [onOwnRoute, nested].every((id) => net.dead.some((d) => d.messageId === id)),
    { everyMs: 20 },
  );
  const reasonOf = (id: string) => net.dead.find((d) => d.messageId === id)?.deadReason;
  expect(reasonOf(onOwnRoute)).toBe(`nodeId ${b} differs from the sender's route (${a})`);
  expect(reasonOf(nested)).toBe(`result.nodeId ${b} differs from the message nodeId ${a}`);
  expect(net.dead.some((d) => d.messageId === "00000000-0000-4000-8000-00000000000b")).toBe(false);
  expect(JSON.stringify(net.hub.view.get(queryId))).toBe(before);
  const rowB = net.hub.view.get(queryId)?.nodes.find((n) => n.nodeId === b);
  expect(rowB?.count).not.toBe(987_654);
  expect(rowB?.count).toBe(net.sites[1]?.sent.find((r) => r.queryId === queryId && r.status === "completed")?.count);
}

await describeWith(["amqp"], "RabbitMQ with per-node users", () => {
  const prefix = uniquePrefix("trust");
  const nodeIds: [string, string] = ["site-a", "site-b"];
  const credentials = networkCredentials({ prefix, nodeIds, secret: SECRET });
  const connect = (who: BrokerCredential) =>
    connectAmqp({
      url: brokerEnv(who).AMQP_URL,
      prefix,
      clock: systemClock,
      random: new SeededRandom(who.user),
      log: silentLogger,
      connectRetries: 2,
      publishTimeoutMs: 10_000,
    });
  let net: Network;

  beforeAll(async () => {
    await createRabbitUsers(credentials);
    net = await startNetwork(nodeIds, connect, credentials);
  });

  afterAll(async () => {
    await net?.stop();
    await deleteAmqpPrefix(SERVICES.amqp.url, prefix, nodeIds);
    await deleteRabbitUsers(credentials);
  });

  it("refuses a node's results in another node's name, and the view does not move", async () => {
    await forgeryIsRefused(net, nodeIds, /ACCESS.REFUSED.*access to topic 'result\./);
  });

  it("refuses a node reading another node's queue", async () => {
    const conn = await amqp.connect(brokerEnv(credentials.nodes.get(nodeIds[0]) as BrokerCredential).AMQP_URL);
    conn.on("error", () => {});
    try {
      const ch = await conn.createChannel();
      ch.on("error", () => {});
      await expect(ch.consume(`${prefix}.node.${nodeIds[1]}`, () => {})).rejects.toThrow(/ACCESS_REFUSED/);
    } finally {
      await conn.close().catch(() => {});
    }
  });
});

const natsSuite = existsSync(NATS_SERVER_BINARY)
  ? describe
  : process.env.CI === "true" || process.env.CI === "1"
    ? (name: string, _body: () => void) =>
        describe(name, () => {
          it(`needs ${NATS_SERVER_BINARY}`, () => {
            throw new Error(`CI=true and ${NATS_SERVER_BINARY} is missing: integration suites must not skip in CI`);
          });
        })
    : describe.skip;

natsSuite("NATS with per-node users", () => {
  const prefix = uniquePrefix("trust");
  const nodeIds: [string, string] = ["site-a", "site-b"];
  const credentials = networkCredentials({ prefix, nodeIds, secret: SECRET });
  let server: PrivateNatsServer;
  let net: Network;
  const connect = (who: BrokerCredential) =>
    connectNats({
      url: server.url,
      user: who.user,
      pass: who.pass,
      prefix,
      clock: systemClock,
      random: new SeededRandom(who.user),
      log: silentLogger,
      connectRetries: 2,
      publishTimeoutMs: 10_000,
    });

  beforeAll(async () => {
    server = await startNatsServer(natsServerConfig(credentials));
    net = await startNetwork(nodeIds, connect, credentials);
  });

  afterAll(async () => {
    await net?.stop();
    await server?.stop();
  });

  it("refuses a node's results in another node's name, and the view does not move", async () => {
    await forgeryIsRefused(net, nodeIds, /Permissions Violation for Publish to ".*\.result\.site-b"/);
  });

  it("refuses a node reading another node's queries", async () => {
    const rogue = net.transports.get("site-a") as Transport;
    await expect(rogue.consume({ from: "node", nodeId: "site-b" }, async (d) => d.ack())).rejects.toThrow(/Permissions Violation/);
  });
});
