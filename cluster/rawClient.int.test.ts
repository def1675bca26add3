import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect as connectNats, headers as natsHeaders } from "@nats-io/transport-node";
import amqp from "amqplib";
import { afterEach, expect, it } from "vitest";
import { pollUntil } from "../shared/testing/net.ts";
import { describeWith, SERVICES, uniquePrefix } from "../shared/testing/services.ts";
import type { HubApi, QueryView } from "./testing/hubApi.ts";
import { TestNetwork } from "./testing/network.ts";
import { ProcessPool } from "./testing/processes.ts";
import { answerRunQuery, malformedUpdate, RAW_COUNT, type WireRunQuery } from "./testing/rawNode.ts";

const RAW = "raw-site";
const SIM = "hospital-a";

/** What a foreign client does against one broker, following PROTOCOL.md section 5 only. */
interface RawClient {
  /** Takes the next run-query off the raw site's queue or consumer, and acknowledges it. */
  takeRunQuery(): Promise<WireRunQuery>;
  /** Publishes a result-update to the results destination as node `routeNodeId`, confirmed by the broker. */
  publish(routeNodeId: string, messageId: string, body: Buffer): Promise<void>;
  /** The dead letters so far: body and reason header. */
  deadLetters(): Promise<{ body: string; reason: string | undefined }[]>;
  close(): Promise<void>;
}

async function rawAmqp(prefix: string): Promise<RawClient> {
  const model = await amqp.connect(SERVICES.amqp.url);
  const ch = await model.createConfirmChannel();
  const dead: { body: string; reason: string | undefined }[] = [];
  return {
    async takeRunQuery() {
      let got: amqp.GetMessage | false = false;
      await pollUntil("a run-query on the raw site's queue", 60_000, async () => {
        got = await ch.get(`${prefix}.node.${RAW}`, { noAck: false });
        return got !== false;
      });
      const message = got as unknown as amqp.GetMessage;
      ch.ack(message);
      return JSON.parse(message.content.toString("utf8")) as WireRunQuery;
    },
    async publish(routeNodeId, messageId, body) {
      ch.publish(`${prefix}.results`, `result.${routeNodeId}`, body, { persistent: true, contentType: "application/json", messageId });
      await ch.waitForConfirms();
    },
    async deadLetters() {
      for (;;) {
        const message = await ch.get(`${prefix}.dead`, { noAck: true });
        if (message === false) return dead;
        const reason = message.properties.headers?.["x-qnet-reason"];
        dead.push({ body: message.content.toString("utf8"), reason: reason === undefined ? undefined : String(reason) });
      }
    },
    async close() {
      await model.close();
    },
  };
}

async function rawNats(prefix: string): Promise<RawClient> {
  const nc = await connectNats({ servers: SERVICES.nats.url });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const streamOf = (kind: string) => `${prefix.toUpperCase()}_${kind}`;
  return {
    async takeRunQuery() {
      const consumer = await js.consumers.get(streamOf("QUERIES"), `node-${RAW}`);
      let run: WireRunQuery | undefined;
      await pollUntil("a run-query on the raw site's consumer", 60_000, async () => {
        const message = await consumer.next({ expires: 1_000 });
        if (!message) return false;
        run = message.json<WireRunQuery>();
        message.ack();
        return true;
      });
      return run as WireRunQuery;
    },
    async publish(routeNodeId, messageId, body) {
      await js.publish(`${prefix}.result.${routeNodeId}`, body, { msgID: messageId, headers: natsHeaders() });
    },
    async deadLetters() {
      const { state } = await jsm.streams.info(streamOf("DEAD"));
      const found: { body: string; reason: string | undefined }[] = [];
      for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
        const stored = await jsm.streams.getMessage(streamOf("DEAD"), { seq }).catch(() => null);
        if (stored) found.push({ body: new TextDecoder().decode(stored.data), reason: stored.header?.get("Qnet-Reason") || undefined });
      }
      return found;
    },
    async close() {
      await nc.close();
    },
  };
}

const site = (view: QueryView, nodeId: string) => view.nodes.find((n) => n.nodeId === nodeId)!;

async function deadLetterOf(client: RawClient, messageId: string): Promise<{ body: string; reason: string | undefined }> {
  let found: { body: string; reason: string | undefined } | undefined;
  await pollUntil(`dead letter ${messageId}`, 60_000, async () => {
    found = (await client.deadLetters()).find((d) => d.body.includes(messageId));
    return found !== undefined;
  });
  return found!;
}

for (const transport of ["amqp", "nats"] as const) {
  await describeWith(
    [transport],
    `a node of someone else's, on raw ${transport === "amqp" ? "amqplib" : "nats.js"}, beside a simulated one`,
    () => {
      const pool = new ProcessPool();
      let network: TestNetwork | undefined;
      let client: RawClient | undefined;

      afterEach(async () => {
        await client?.close();
        await pool.killAll();
        await network?.cleanUp();
      });

      it("its result-updates are applied like the hub's own nodes'; a malformed one and a spoofed one end in the dead letters with a reason", async () => {
        // Stream names upper-case the prefix (PROTOCOL.md 5): keep to characters that survive it.
        const prefix = uniquePrefix(`raw${transport}`).replace(/-/g, "_");
        network = new TestNetwork(pool, { transport, prefix, nodeIds: [RAW, SIM] });
        const api: HubApi = await network.startHub();
        await network.startNode(SIM);
        client = transport === "amqp" ? await rawAmqp(prefix) : await rawNats(prefix);

        const id = await api.submit();
        const run = await client.takeRunQuery();
        expect(run).toMatchObject({ type: "run-query", query: { id }, result: { id: `${id}:${RAW}`, nodeId: RAW, status: "sentToNode" } });

        const updates = answerRunQuery(run, RAW);
        for (const u of updates) await client.publish(RAW, u.messageId, u.body);
        // Delivery is at least once: a resend of the final state changes nothing.
        await client.publish(RAW, updates[2]!.messageId, updates[2]!.body);

        const done = await api.waitCompleted(id);
        expect(site(done, RAW)).toMatchObject({
          status: "completed",
          final: true,
          count: RAW_COUNT,
          itemVersion: run.result.versionInfo.itemVersion + 3,
        });
        expect(site(done, SIM)).toMatchObject({ status: "completed", final: true, count: expect.any(Number) });
        expect(done.summary.completed).toBe(2);

        const malformed = malformedUpdate(RAW);
        await client.publish(RAW, malformed.messageId, malformed.body);
        const malformedDead = await deadLetterOf(client, malformed.messageId);
        // The reason's wording is the hub's; that it says what is wrong is the contract.
        expect(malformedDead.reason).toMatch(/invalid.*result/);

        // A node publishing in another node's name is refused too: the route is the sender's identity.
        const spoofed = answerRunQuery(run, RAW)[0]!;
        await client.publish(SIM, spoofed.messageId, spoofed.body);
        const spoofedDead = await deadLetterOf(client, spoofed.messageId);
        expect(spoofedDead.reason).toContain(RAW);
        expect(spoofedDead.reason).toContain(SIM);

        const after = await api.query(id);
        expect(site(after!, RAW)).toMatchObject({ status: "completed", count: RAW_COUNT });
      });
    },
  );
}
