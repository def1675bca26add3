import { describe, expect, it } from "vitest";
import { ladder } from "../shared/testing/scriptedNode.ts";
import { VirtualClock } from "../shared/time/virtualClock.ts";
import { memoryNames } from "../shared/transport/memory/mod.ts";
import { startScriptedSites } from "./testing/scriptedSites.ts";
import { HubMetrics } from "./metrics.ts";

/** The value of one sample in Prometheus text, e.g. `qnet_apply_outcomes_total{outcome="duplicate"}`. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no sample ${series} in /metrics`);
  return Number(line.slice(series.length + 1));
}

describe("the hub's metrics", () => {
  it("export every series whose labels are known in advance from zero, before any traffic", async () => {
    const text = await new HubMetrics().registry.metrics();
    for (const outcome of ["applied", "applied-late", "duplicate", "conflict-rebased", "conflict-discarded", "rejected"]) {
      expect(sample(text, `qnet_apply_outcomes_total{outcome="${outcome}"}`)).toBe(0);
    }
    for (const type of ["run-query", "result-update", "node-heartbeat"])
      expect(sample(text, `qnet_messages_total{type="${type}"}`)).toBe(0);
    expect(sample(text, "qnet_redeliveries_total")).toBe(0);
    expect(sample(text, "qnet_event_clients_dropped_total")).toBe(0);
    expect(sample(text, "qnet_apply_latency_seconds_count")).toBe(0);
    expect(text).toContain("# TYPE qnet_dead_letters_total counter");
    expect(text).toContain("# TYPE qnet_http_request_duration_seconds histogram");
  });

  it("show the messages and apply latencies counted since the last scrape, each once, latencies as cumulative buckets", async () => {
    const m = new HubMetrics();
    m.message("result-update");
    m.message("result-update");
    m.message("node-heartbeat");
    for (const seconds of [0.0004, 0.003, 0.003, 7]) m.applyLatency.observe(seconds);
    const text = await m.registry.metrics();
    expect(sample(text, 'qnet_messages_total{type="result-update"}')).toBe(2);
    expect(sample(text, 'qnet_messages_total{type="node-heartbeat"}')).toBe(1);
    expect(text).toContain("# TYPE qnet_apply_latency_seconds histogram");
    const bucket = (le: string) => sample(text, `qnet_apply_latency_seconds_bucket{le="${le}"}`);
    expect([bucket("0.0005"), bucket("0.0025"), bucket("0.005"), bucket("5"), bucket("+Inf")]).toEqual([1, 1, 3, 3, 4]);
    expect(sample(text, "qnet_apply_latency_seconds_sum")).toBeCloseTo(7.0064, 9);
    expect(sample(text, "qnet_apply_latency_seconds_count")).toBe(4);
    m.message("result-update");
    expect(sample(await m.registry.metrics(), 'qnet_messages_total{type="result-update"}')).toBe(3);
  });

  it("are each hub's own: two hubs in one process neither collide nor share a count", async () => {
    const a = new HubMetrics();
    const b = new HubMetrics();
    a.outcome("duplicate");
    a.outcome("duplicate");
    a.deadLetter("invalid result-update: result.count: count must be >= -1");
    expect(await a.outcomeCount("duplicate")).toBe(2);
    expect(await b.outcomeCount("duplicate")).toBe(0);
    expect(sample(await a.registry.metrics(), 'qnet_dead_letters_total{reason="invalid result-update"}')).toBe(1);
    expect(await b.registry.metrics()).not.toContain("qnet_dead_letters_total{");
  });
});

describe("/metrics after a scenario with injected duplicates", () => {
  it("counts exactly the duplicated result-updates that reached the hub", async () => {
    const clock = new VirtualClock();
    const prefix = "dupm";
    const hubQueue = memoryNames(prefix).hubQueue;
    const nodeIds = ["site-1", "site-2", "site-3", "site-4"];
    const network = await startScriptedSites({
      clock,
      seed: 4242,
      prefix,
      nodeIds,
      // Sites of different speeds: the slowest takes half a minute per result.
      script: (nodeId) => ladder({ count: 100, stepMs: 2_500 * (nodeIds.indexOf(nodeId) + 1) }),
      // Only the hub's queue duplicates: result-updates and heartbeats alike.
      faults: { queues: { [hubQueue]: { duplicate: { probability: 0.35, maxLagMs: 3_000 } } } },
      heartbeatMs: 1_000,
    });
    const { hub, broker } = network;
    const ids: string[] = [];
    for (const concept of ["dx:E11.9", "dx:I10", "rx:metformin"]) {
      ids.push(await hub.desk.submit({ definition: { panels: [{ concepts: [concept] }] } }));
      await clock.advance(300);
    }
    expect(await clock.runWhile(() => ids.some((id) => hub.view.get(id)?.status !== "done"), 3_600_000)).toBe(true);
    // Stop the sites, then let every copy still in transit arrive and be settled.
    for (const site of network.sites.values()) await site.stop();
    const drained = await clock.runWhile(() => {
      const q = broker.queueInfo(hubQueue);
      return q.ready + q.delayed + q.unacked > 0;
    }, 3_600_000);
    expect(drained).toBe(true);

    const text = (await hub.api.inject({ method: "GET", url: "/metrics" })).body;
    const queue = broker.queueInfo(hubQueue);
    const heartbeatsSent = [...network.sites.values()].reduce((n, s) => n + s.heartbeatsSent, 0);
    const updatesSent = [...network.sites.values()].reduce((n, s) => n + s.sent.length, 0);
    const heartbeatsConsumed = sample(text, 'qnet_messages_total{type="node-heartbeat"}');
    const updatesConsumed = sample(text, 'qnet_messages_total{type="result-update"}');

    // Nothing was redelivered or dead-lettered, so every message beyond what was sent is a fault copy.
    expect(queue.redelivered).toBe(0);
    expect(queue.deadLetteredOut).toBe(0);
    const heartbeatCopies = heartbeatsConsumed - heartbeatsSent;
    const updateCopies = updatesConsumed - updatesSent;
    expect(heartbeatCopies + updateCopies).toBe(queue.duplicatedByFault);
    expect(heartbeatCopies).toBeGreaterThan(0);
    expect(updateCopies).toBeGreaterThan(0);

    // Every copy of an applied result-update is a duplicate, and nothing else is.
    expect(sample(text, 'qnet_apply_outcomes_total{outcome="duplicate"}')).toBe(updateCopies);
    expect(sample(text, 'qnet_apply_outcomes_total{outcome="rejected"}')).toBe(0);
    expect(sample(text, 'qnet_queries{status="done"}')).toBe(ids.length);
    await network.stop();
  });
});
