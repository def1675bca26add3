import { describe, expect, it } from "vitest";
import { startHub } from "../../hub/hub.ts";
import { silentLogger } from "../../shared/log.ts";
import type { ConsumeOptions, DeliveryHandler, Source, Subscription, Transport } from "../../shared/ports/transport.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import { ScriptedNode } from "../../shared/testing/scriptedNode.ts";
import { SeededRandom } from "../../shared/time/seededRandom.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { createMemoryBroker, MemoryTransport } from "../../shared/transport/memory/mod.ts";
import { DELIVERY_CHECKS } from "../check/invariants/delivery.ts";
import { correctRecord } from "../check/testing/record.ts";
import { History, RecordingStore } from "./history.ts";
import { SettlementTap } from "./settlements.ts";

/** A hub that acknowledges each delivery as it receives it and hands its ingest one whose ack does nothing: ack before commit. */
class AckOnReceipt implements Transport {
  constructor(private readonly inner: Transport) {}
  get name() {
    return this.inner.name;
  }
  declare = (t: Parameters<Transport["declare"]>[0]) => this.inner.declare(t);
  publish = (...args: Parameters<Transport["publish"]>) => this.inner.publish(...args);
  consume(source: Source, handler: DeliveryHandler, options?: ConsumeOptions): Promise<Subscription> {
    return this.inner.consume(
      source,
      async (d) => {
        await d.ack();
        // The memory broker's deliveries are plain objects: a copy keeps every field.
        await handler({ ...d, ack: async () => {}, nack: (o) => d.nack(o), deadLetter: (r) => d.deadLetter(r) });
      },
      options,
    );
  }
  connected = () => this.inner.connected();
  close = () => this.inner.close();
}

/** One query to one scripted site, the hub's transport and store recorded as a run records them; its record of commits and settlements. */
async function record(hubAs: (t: Transport) => Transport) {
  const clock = new VirtualClock();
  const random = new SeededRandom("settlements");
  const broker = createMemoryBroker({ clock, random: random.fork("broker") });
  const history = new History(clock);
  const store = new RecordingStore(new MemoryStore({ clock }), history, clock);
  const hubTransport = hubAs(new SettlementTap(new MemoryTransport(broker, {}), (s) => history.settled(s)));
  const hub = await startHub({
    transport: hubTransport,
    store,
    clock,
    random: random.fork("hub"),
    log: silentLogger,
    nodeIds: ["site-a"],
    resultTimeoutMs: 300_000,
    heartbeatMs: 1_000,
    prefetch: 16,
  });
  const siteTransport = new MemoryTransport(broker, { user: "site-a" });
  const site = await ScriptedNode.start({
    nodeId: "site-a",
    transport: siteTransport,
    clock,
    random: random.fork("site"),
    heartbeatMs: 1_000,
  });
  await hub.desk.submit({ definition: { panels: [{ concepts: ["dx:E11.9"] }] }, researcherId: "r" });
  await clock.advance(2_000);
  await site.stop();
  await hub.stop();
  await siteTransport.close();
  await hubTransport.close();
  const { commits, settlements } = history;
  return { commits, settlements, evidence: { ...correctRecord([]), startedAt: history.startedAt, commits, settlements } };
}

describe("the hub's settlements, recorded in one order with its store's commits", () => {
  it("show a hub that acks after commit: every result-update acked after the step that stored it; heartbeats acked too", async () => {
    const { commits, settlements, evidence } = await record((t) => t);
    const updates = settlements.filter((s) => s.type === "result-update");
    expect(updates.map((s) => s.how)).toEqual(["ack", "ack", "ack"]);
    expect(settlements.some((s) => s.type === "node-heartbeat" && s.how === "ack")).toBe(true);
    for (const s of updates) {
      const commit = commits.find((c) => c.messageIds.includes(s.messageId as string));
      expect(commit?.seq).toBeLessThan(s.seq);
    }
    expect(DELIVERY_CHECKS["ack-after-commit"](evidence)).toEqual([]);
  });

  it("catch a hub that acks what it receives before its store step resolves", async () => {
    const { evidence } = await record((t) => new AckOnReceipt(t));
    const violations = DELIVERY_CHECKS["ack-after-commit"](evidence);
    expect(violations).toHaveLength(3);
    expect(violations[0]?.message).toMatch(/^result-update \S+ was acked at t=\d+ ms before the store step that held it resolved$/);
  });
});
