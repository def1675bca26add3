/**
 * Rough store throughput, printed, never asserted: `tsx shared/store/measure.ts [results] [engines]`
 * e.g. `tsx shared/store/measure.ts 100000 memory,pglite,postgres`. Each result gets the hub's
 * sentToNode and a node's running and completed, applied in batches as the hub would.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Proposal, Store } from "../ports/store.ts";
import { SERVICES } from "../testing/services.ts";
import { SeededRandom } from "../time/seededRandom.ts";
import { systemClock } from "../time/systemClock.ts";
import { createStore, dropSchema, pgClient } from "./mod.ts";

const results = Number(process.argv[2] ?? 20_000);
const engines = (process.argv[3] ?? "memory,pglite,postgres").split(",");
const BATCH = 500;
const NODES_PER_QUERY = 5;

const vi = (itemVersion: number) => ({
  protocolVersion: 1 as const,
  itemVersion,
  createDate: "2026-01-01T00:00:00.000Z",
  changeDate: "2026-01-01T00:00:00.000Z",
});

function* workload(): Generator<Proposal[]> {
  const random = new SeededRandom("measure");
  let batch: Proposal[] = [];
  for (let r = 0; r < results; r += NODES_PER_QUERY) {
    const q = random.uuid();
    batch.push({
      kind: "query",
      origin: "hub",
      state: {
        id: q,
        versionInfo: vi(1),
        researcherId: "r",
        definition: { panels: [{ concepts: ["dx:E11.9"] }] },
        submittedAt: vi(1).createDate,
      },
    });
    for (let n = 0; n < NODES_PER_QUERY; n++) {
      const base = { id: `${q}:node-${n}`, queryId: q, nodeId: `node-${n}` };
      batch.push({ kind: "result", origin: "hub", state: { ...base, versionInfo: vi(1), status: "sentToNode" } });
      batch.push({ kind: "result", origin: "node", state: { ...base, versionInfo: vi(2), status: "running", progress: 0.5 } });
      batch.push({ kind: "result", origin: "node", state: { ...base, versionInfo: vi(3), status: "completed", count: 40 } });
    }
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

async function measure(engine: string, store: Store): Promise<void> {
  await store.open();
  const start = performance.now();
  let proposals = 0;
  for (const batch of workload()) {
    await store.apply(batch);
    proposals += batch.length;
  }
  const seconds = (performance.now() - start) / 1000;
  const heap = Math.round(process.memoryUsage().heapUsed / 1e6);
  const counts = await store.counts();
  console.log(
    `${engine}: ${proposals} proposals in ${seconds.toFixed(1)} s = ${Math.round(proposals / seconds)}/s (${counts.states} states, heap ${heap} MB)`,
  );
  await store.close();
}

for (const engine of engines) {
  if (engine === "memory") await measure(engine, await createStore("memory", { clock: systemClock }));
  if (engine === "pglite") {
    const dir = await mkdtemp(join(tmpdir(), "qnet-measure-"));
    await measure(engine, await createStore(`pglite:${dir}`, { clock: systemClock }));
    await rm(dir, { recursive: true, force: true });
  }
  if (engine === "postgres") {
    const schema = `measure_${process.pid}`;
    await measure(engine, await createStore("postgres", { clock: systemClock, databaseUrl: SERVICES.postgres.url, schema }));
    const client = pgClient(SERVICES.postgres.url);
    await dropSchema(client, schema);
    await client.close();
  }
}
