import { setTimeout as sleep } from "node:timers/promises";
import { startHub } from "../hub/hub.ts";
import { silentLogger } from "../shared/log.ts";
import type { ResultState } from "../shared/protocol/items.ts";
import { SERVICES } from "../shared/testing/services.ts";
import { createStore, dropSchema, pgClient } from "../shared/store/mod.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import { type BrokerName, benchPrefix, connectBroker, deleteBrokerPrefix } from "./brokers.ts";
import { makeWorkload } from "./workload.ts";

export interface SteadySize {
  /** Offered result-updates per second. */
  rate: number;
  seconds: number;
  nodes: number;
  /** Consumer prefetch of the hub: its default configuration. */
  prefetch: number;
}

export interface SteadyRun {
  offered: number;
  /** Messages per second the publisher achieved. */
  achievedRate: number;
  /** Publish-to-view latency of each message whose change the view showed, ms. */
  latencies: number[];
  /** Messages whose change never showed within the grace period. */
  missing: number;
  /** GET /api/queries/:id latencies, ms, when readers ran. */
  reads: number[];
  readErrors: number;
}

const TICK_MS = 5;
const GRACE_MS = 10_000;
const SEED_BATCH = 2_000;

/**
 * The hub over a real broker and PostgreSQL, fed at a steady offered rate by a node-side
 * publisher: every message moves one result one step, so each shows in the view exactly once.
 * Optionally a reader asks GET /api/queries/:id over loopback HTTP all the while.
 */
export async function steadyRun(broker: BrokerName, size: SteadySize, withReader: boolean): Promise<SteadyRun> {
  const results = Math.ceil((size.rate * size.seconds) / 4);
  const queries = Math.max(1, Math.ceil(results / size.nodes));
  const workload = makeWorkload({ queries, nodes: size.nodes, duplicateShare: 0, reorderWindow: 1, seed: `steady-${broker}` });
  const prefix = benchPrefix(`steady-${broker}`);
  const schema = prefix.replace(/-/g, "_");
  const store = await createStore("postgres", { clock: systemClock, databaseUrl: SERVICES.postgres.url, schema });
  const hubTransport = await connectBroker(broker, prefix, size.prefetch, "bench-steady-hub");
  const nodeTransport = await connectBroker(broker, prefix, size.prefetch, "bench-steady-nodes");
  try {
    await store.open();
    for (let i = 0; i < workload.seed.length; i += SEED_BATCH) await store.apply(workload.seed.slice(i, i + SEED_BATCH));
    const hub = await startHub({
      transport: hubTransport,
      store,
      clock: systemClock,
      random: new SeededRandom("bench-steady"),
      log: silentLogger,
      nodeIds: workload.nodeIds,
      resultTimeoutMs: 3_600_000,
      heartbeatMs: 60_000,
      prefetch: size.prefetch,
    });
    const publishedAt = new Map<string, number>();
    const latencies: number[] = [];
    let waiting = 0;
    let allSeen: (() => void) | undefined;
    hub.view.onChange((c) => {
      if (c.kind !== "result") return;
      const s = c.state as ResultState;
      const key = `${s.id}@${s.versionInfo.itemVersion}`;
      const at = publishedAt.get(key);
      if (at === undefined) return;
      latencies.push(performance.now() - at);
      publishedAt.delete(key);
      if (--waiting === 0) allSeen?.();
    });

    let reading = withReader;
    const reads: number[] = [];
    let readErrors = 0;
    let reader: Promise<void> = Promise.resolve();
    if (withReader) {
      const address = await hub.api.listen({ host: "127.0.0.1", port: 0 });
      const random = new SeededRandom("bench-reader");
      reader = (async () => {
        while (reading) {
          const id = random.pick(workload.queryIds);
          const t = performance.now();
          const res = await fetch(`${address}/api/queries/${id}`);
          await res.arrayBuffer();
          reads.push(performance.now() - t);
          if (res.status !== 200) readErrors++;
        }
      })();
    }

    const messages = workload.messages.slice(0, Math.round(size.rate * size.seconds));
    const inFlight = new Set<Promise<void>>();
    let sent = 0;
    const start = performance.now();
    while (sent < messages.length) {
      const due = Math.min(messages.length, Math.floor(((performance.now() - start) / 1000) * size.rate));
      for (; sent < due; sent++) {
        const m = messages[sent] as (typeof messages)[number];
        publishedAt.set(`${m.resultId}@${m.itemVersion}`, performance.now());
        waiting++;
        const p = nodeTransport
          .publish({ to: "hub", kind: "result", nodeId: m.nodeId }, m.body, { messageId: m.messageId })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await sleep(TICK_MS);
    }
    const achievedRate = sent / ((performance.now() - start) / 1000);
    await Promise.all(inFlight);
    if (waiting > 0) await Promise.race([new Promise<void>((r) => (allSeen = r)), sleep(GRACE_MS)]);
    reading = false;
    await reader;
    await hub.stop();
    return { offered: messages.length, achievedRate, latencies, missing: waiting, reads, readErrors };
  } finally {
    await nodeTransport.close();
    await hubTransport.close();
    await store.close();
    const client = pgClient(SERVICES.postgres.url);
    await dropSchema(client, schema).finally(() => client.close());
    await deleteBrokerPrefix(broker, prefix, workload.nodeIds);
  }
}
