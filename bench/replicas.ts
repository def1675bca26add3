import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Proposal, Store } from "../shared/ports/store.ts";
import { decodeMessage } from "../shared/protocol/messages.ts";
import { createStore } from "../shared/store/create.ts";
import { pgClient } from "../shared/store/sql/pg.ts";
import { dropSchema } from "../shared/store/sql/schema.ts";
import { SERVICES } from "../shared/testing/services.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import { brokerEntry } from "../shared/transport/mod.ts";
import { type BrokerName, benchPrefix, connectBroker, deleteBrokerPrefix, publishAll } from "./brokers.ts";
import { runChild, wallNow } from "./child.ts";
import type { IngestSize } from "./ingest.ts";
import type { ReplicaRun } from "./replicaRun.ts";
import { type Figure, percentilesOf } from "./report.ts";
import { makeWorkload, type Workload } from "./workload.ts";

export interface ReplicasSize {
  /** The workload each replica count ingests. */
  ingest: IngestSize;
  /** How many replicas the ingest figure compares with one. */
  replicas: number;
  /** Transitions per second the writer commits for the feed-lag figure, and for how long. */
  lagRate: number;
  lagSeconds: number;
}

const SEED_BATCH = 2_000;
/** The reader's catch-up read when no wake-up came: notifications may be lost. */
const POLL_MS = 250;

async function withSchema<T>(label: string, body: (store: Store, schema: string) => Promise<T>): Promise<T> {
  const schema = benchPrefix(label).replace(/-/g, "_");
  const store = await createStore("postgres", { clock: systemClock, databaseUrl: SERVICES.postgres.url, schema });
  try {
    await store.open();
    return await body(store, schema);
  } finally {
    await store.close();
    const client = pgClient(SERVICES.postgres.url);
    await dropSchema(client, schema).finally(() => client.close());
  }
}

async function seedStore(store: Store, workload: Workload): Promise<void> {
  for (let i = 0; i < workload.seed.length; i += SEED_BATCH) await store.apply(workload.seed.slice(i, i + SEED_BATCH));
}

/** The workload's node proposals, decoded, without the broker's resends. */
function nodeProposals(workload: Workload): Proposal[] {
  return workload.messages.flatMap((m) => {
    const d = decodeMessage(m.body);
    return !m.duplicate && d.ok && d.message.type === "result-update"
      ? [{ kind: "result" as const, state: d.message.result, origin: "node" as const, messageId: d.message.messageId }]
      : [];
  });
}

/** `count` hub replicas, each a process of its own, ingesting the workload from one broker prefix into one schema. */
async function ingestWith(broker: BrokerName, workload: Workload, size: IngestSize, count: number) {
  const prefix = benchPrefix(`rep${count}-${broker}`);
  return withSchema(`rep${count}-${broker}`, async (store, schema) => {
    await seedStore(store, workload);
    const transport = await connectBroker(broker, prefix, size.prefetch, "bench-replicas-publisher");
    try {
      await transport.declare({ role: "hub", nodeIds: workload.nodeIds });
      await publishAll(transport, workload.messages);
      const expected = brokerEntry(broker).deduplicates ? workload.messages.filter((m) => !m.duplicate).length : workload.messages.length;
      const args = [broker, prefix, schema, workload.nodeIds.join(","), String(size.prefetch), String(expected)];
      const runs = await Promise.all(Array.from({ length: count }, () => runChild<ReplicaRun>("replicaRun.ts", args)));
      const working = runs.filter((r) => r.settled > 0);
      const settled = runs.reduce((n, r) => n + r.settled, 0);
      const span = Math.max(...working.map((r) => r.last)) - Math.min(...working.map((r) => r.first));
      const counts = await store.counts();
      const results = workload.queryIds.length * workload.nodeIds.length;
      const expectedStates = workload.seed.length + 4 * results + workload.queryIds.length;
      return {
        rate: settled / (span / 1000),
        cpuPerMessage: runs.reduce((n, r) => n + r.cpuUs, 0) / settled,
        shares: runs.map((r) => r.settled),
        correct: settled === expected && counts.states === expectedStates,
        check: `${settled}/${expected} settled, ${counts.states}/${expectedStates} states`,
      };
    } finally {
      await transport.close();
      await deleteBrokerPrefix(broker, prefix, workload.nodeIds);
    }
  });
}

/** Ingest with one replica and with several, on one broker: the rate, the CPU each message costs, and their ratio. */
export async function replicaIngestPart(broker: BrokerName, size: ReplicasSize): Promise<Figure[]> {
  const workload = makeWorkload({ queries: size.ingest.queries, nodes: size.ingest.nodes, seed: `replicas-${broker}` });
  const part = `6 replicas ${broker}`;
  const one = await ingestWith(broker, workload, size.ingest, 1);
  const many = await ingestWith(broker, workload, size.ingest, size.replicas);
  const note = `${workload.messages.length} msgs, prefetch ${size.ingest.prefetch}`;
  return [
    { part, name: "1 replica: msg/s", value: one.rate, unit: "msg/s", note: `${note}; ${one.check}` },
    {
      part,
      name: `${size.replicas} replicas: msg/s, all together`,
      value: many.rate,
      unit: "msg/s",
      note: `shares ${many.shares.join(" / ")}; ${many.check}`,
    },
    { part, name: `${size.replicas} replicas / 1`, value: many.rate / one.rate, unit: "ratio" },
    {
      part,
      name: "hub CPU per message: 1 replica, all replicas",
      value: one.cpuPerMessage,
      unit: "µs",
      note: `${size.replicas} replicas: ${many.cpuPerMessage.toFixed(1)} µs summed over their processes (PostgreSQL's own CPU not counted)`,
    },
    { part, name: "outcome check", value: one.correct && many.correct ? 1 : 0, unit: "ok" },
  ];
}

/**
 * Feed lag: a writer process commits node transitions at `lagRate` per second; this process, another
 * replica's reader, follows the store feed (a wake-up on each commit, a catch-up read after its last
 * position, and a read every POLL_MS in case a wake-up is lost). Lag is from the writer's commit
 * returning to this reader holding the state.
 */
export async function feedLagPart(size: ReplicasSize): Promise<Figure[]> {
  const perResult = 4;
  const results = Math.ceil((size.lagRate * size.lagSeconds) / perResult);
  const nodes = 25;
  const workload = makeWorkload({ queries: Math.ceil(results / nodes), nodes, seed: "feed-lag", duplicateShare: 0 });
  const proposals = nodeProposals(workload).slice(0, size.lagRate * size.lagSeconds);
  const file = join(tmpdir(), `qnet-feed-lag-${process.pid}.json`);
  await writeFile(file, JSON.stringify(proposals));
  return withSchema("feed-lag", async (reader, schema) => {
    await seedStore(reader, workload);
    let position = 0;
    for (;;) {
      const page = await reader.readAfter(position, 10_000);
      if (page.through === position) break;
      position = page.through;
    }
    const seen = new Map<number, number>();
    let reading: Promise<void> | undefined;
    let again = false;
    const catchUp = async () => {
      for (;;) {
        const page = await reader.readAfter(position, 1_000);
        const at = wallNow();
        for (const s of page.states) seen.set(s.seq, at);
        if (page.through === position) return;
        position = page.through;
      }
    };
    const wake = () => {
      if (reading) {
        again = true;
        return;
      }
      reading = (async () => {
        do {
          again = false;
          await catchUp();
        } while (again);
        reading = undefined;
      })();
    };
    const stopWatching = reader.watch(wake);
    const poll = setInterval(wake, POLL_MS);
    try {
      const written = await runChild<{ commits: [number, number][]; seconds: number }>("feedWriter.ts", [
        schema,
        file,
        String(size.lagRate),
      ]);
      const deadline = wallNow() + 10_000;
      while (written.commits.some(([seq]) => !seen.has(seq)) && wallNow() < deadline) await systemClock.sleep(50);
      const lags = written.commits.flatMap(([seq, at]) => {
        const got = seen.get(seq);
        return got === undefined ? [] : [got - at];
      });
      const p = percentilesOf(lags);
      const part = "6 replicas feed";
      const rate = written.commits.length / written.seconds;
      const note = `${written.commits.length} transitions in ${written.seconds.toFixed(1)} s (${Math.round(rate)}/s asked ${size.lagRate}/s), ${lags.length} seen`;
      return [
        { part, name: "feed lag, commit on one -> read on another: p50", value: p.p50, unit: "ms", note },
        {
          part,
          name: "feed lag p99",
          value: p.p99,
          unit: "ms",
          target: "< 250",
          met: p.p99 < 250,
          note: `p95 ${p.p95.toFixed(1)} ms, max ${p.max.toFixed(1)} ms`,
        },
        { part, name: "feed: every commit seen", value: lags.length === written.commits.length ? 1 : 0, unit: "ok" },
      ];
    } finally {
      clearInterval(poll);
      stopWatching();
      await reading;
    }
  });
}
