import { startHub } from "../hub/hub.ts";
import { silentLogger } from "../shared/log.ts";
import type { Proposal, Store } from "../shared/ports/store.ts";
import { decodeMessage } from "../shared/protocol/messages.ts";
import { SERVICES } from "../shared/testing/services.ts";
import { createStore } from "../shared/store/create.ts";
import { pgClient, withApplicationName } from "../shared/store/sql/pg.ts";
import { dropSchema } from "../shared/store/sql/schema.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import { brokerEntry } from "../shared/transport/mod.ts";
import { type BrokerName, benchPrefix, connectBroker, deleteBrokerPrefix, publishAll } from "./brokers.ts";
import { printSummary } from "./cpuProfile.ts";
import { HubMeters } from "./hubMeters.ts";
import { CpuSpan, processCpu } from "./procCpu.ts";
import { ConsumeProbe } from "./probe.ts";
import { type RuntimeFigures, RuntimeMeter } from "./runtimeMeter.ts";
import type { Figure } from "./report.ts";
import { makeWorkload, type Workload } from "./workload.ts";

export interface IngestSize {
  queries: number;
  nodes: number;
  prefetch: number;
}

const IDLE_MS = 5_000;
const SEED_BATCH = 2_000;
const STORE_BURST = 500;

/** What the broker delivers of the workload: one that de-duplicates (NATS, by Nats-Msg-Id) drops the resends. */
function expectedDeliveries(broker: BrokerName, workload: Workload): number {
  return brokerEntry(broker).deduplicates ? workload.messages.filter((m) => !m.duplicate).length : workload.messages.length;
}

/** A bare consumer's run: its probe, and the JS heap it allocated per message. */
type RawRun = ConsumeProbe & { allocatedKiB: number };

/** The broker's own rate: a bare consumer that parses each message and acks it. */
async function rawRate(broker: BrokerName, workload: Workload, size: IngestSize): Promise<RawRun> {
  const prefix = benchPrefix(`raw-${broker}`);
  const transport = await connectBroker(broker, prefix, size.prefetch, "bench-raw");
  try {
    await transport.declare({ role: "hub", nodeIds: [] });
    await publishAll(transport, workload.messages);
    // What the client, the adapter and a parse allocate before a hub does anything: the floor under the hub's figure.
    const runtime = new RuntimeMeter(false);
    let figures: RuntimeFigures | undefined;
    const probe = new ConsumeProbe({
      onFirst: () => runtime.begin(),
      onEnd: () => {
        figures = runtime.end();
      },
    });
    const sub = await transport.consume(
      { from: "hub" },
      probe.watch(async (d) => {
        JSON.parse(Buffer.from(d.body).toString("utf8"));
        await d.ack();
      }),
      { prefetch: size.prefetch },
    );
    await probe.until(expectedDeliveries(broker, workload), IDLE_MS);
    await sub.stop();
    return Object.assign(probe, { allocatedKiB: (figures?.allocatedBytes ?? Number.NaN) / 1024 / Math.max(1, probe.settled) });
  } finally {
    await transport.close();
    await deleteBrokerPrefix(broker, prefix, []);
  }
}

async function seedStore(store: Store, workload: Workload): Promise<void> {
  for (let i = 0; i < workload.seed.length; i += SEED_BATCH) await store.apply(workload.seed.slice(i, i + SEED_BATCH));
}

/** The PostgreSQL store alone on the same proposals, decoded beforehand, in bursts of STORE_BURST: the store's own ceiling. */
async function storeRate(workload: Workload): Promise<{ rate: number; duplicateRate: number; postgresPerState: number }> {
  const schema = benchPrefix("store").replace(/-/g, "_");
  const databaseUrl = withApplicationName(SERVICES.postgres.url, schema);
  const store = await createStore("postgres", { clock: systemClock, databaseUrl, schema });
  const watcher = pgClient(SERVICES.postgres.url);
  try {
    await store.open();
    await seedStore(store, workload);
    const proposals: Proposal[] = [];
    for (const m of workload.messages) {
      const d = decodeMessage(m.body);
      if (d.ok && d.message.type === "result-update")
        proposals.push({ kind: "result", state: d.message.result, origin: "node", messageId: d.message.messageId });
    }
    const postgres = new CpuSpan(processCpu);
    postgres.begin(await backendPids(watcher, schema));
    const rate = await burstRate(store, proposals);
    const postgresPerState =
      postgres.end(await backendPids(watcher, schema)) / Math.max(1, (await store.counts()).states - workload.seed.length);
    // The same bursts again, every proposal a redelivery: what a hub pays for a broker's duplicates.
    return { rate, duplicateRate: await burstRate(store, proposals), postgresPerState };
  } finally {
    await watcher.close();
    await store.close();
    const client = pgClient(SERVICES.postgres.url);
    await dropSchema(client, schema).finally(() => client.close());
  }
}

async function burstRate(store: Store, proposals: readonly Proposal[]): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < proposals.length; i += STORE_BURST) await store.apply(proposals.slice(i, i + STORE_BURST));
  return proposals.length / ((performance.now() - start) / 1000);
}

async function backendPids(client: ReturnType<typeof pgClient>, applicationName: string): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [applicationName]);
  return rows.map((r) => Number(r.pid));
}

/** The hub's full path on the same messages: validate, apply, store in PostgreSQL, update the view, ack. */
async function hubRate(broker: BrokerName, workload: Workload, size: IngestSize, profile: boolean) {
  const prefix = benchPrefix(`hub-${broker}`);
  const schema = prefix.replace(/-/g, "_");
  const databaseUrl = withApplicationName(SERVICES.postgres.url, schema);
  const store = await createStore("postgres", { clock: systemClock, databaseUrl, schema });
  const transport = await connectBroker(broker, prefix, size.prefetch, "bench-hub");
  const watcher = pgClient(SERVICES.postgres.url);
  try {
    await store.open();
    await seedStore(store, workload);
    await transport.declare({ role: "hub", nodeIds: workload.nodeIds });
    await publishAll(transport, workload.messages);
    // Opens the pool's connections now, so the backends that will serve the hub are there to be watched.
    await Promise.all(Array.from({ length: 8 }, () => store.ready()));
    const meters = new HubMeters(broker, () => backendPids(watcher, schema), await backendPids(watcher, schema), profile);
    const probe = new ConsumeProbe({ onFirst: meters.begin, onEnd: meters.end });
    const hub = await startHub({
      transport: probe.wrap(transport),
      store,
      clock: systemClock,
      random: new SeededRandom("bench-hub"),
      log: silentLogger,
      nodeIds: workload.nodeIds,
      resultTimeoutMs: 3_600_000,
      heartbeatMs: 60_000,
      prefetch: size.prefetch,
    });
    await probe.until(expectedDeliveries(broker, workload), IDLE_MS);
    const measured = await meters.finish(`reports/profile-ingest-${broker}-${new Date().toISOString().replace(/[:.]/g, "-")}.cpuprofile`);
    await hub.stop();
    // Correctness alongside speed: every result completed in the view, every state stored once.
    let completed = 0;
    for (const q of workload.queryIds) for (const r of hub.view.results(q)) if (r.status === "completed") completed++;
    const counts = await store.counts();
    return { probe, completed, counts, metrics: hub.metrics, ...measured };
  } finally {
    await watcher.close();
    await transport.close();
    await store.close();
    const client = pgClient(SERVICES.postgres.url);
    await dropSchema(client, schema).finally(() => client.close());
    await deleteBrokerPrefix(broker, prefix, workload.nodeIds);
  }
}

/** The mean size of the workload's result-updates, and of its completed ones, in bytes. */
function messageBytes(workload: Workload): { all: number; completed: number } {
  const sizes = workload.messages.filter((m) => !m.duplicate).map((m) => m.body.byteLength);
  // Every fourth state of a result is its completed one, the largest: the one breakdowns grow.
  const completed = workload.messages.filter((m) => !m.duplicate && m.itemVersion === 6).map((m) => m.body.byteLength);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return { all: mean(sizes), completed: mean(completed) };
}

/** A figure held against an upper bound (`<= limit`, or `< limit` when strictly), its value computed once. */
function atMost(
  part: string,
  name: string,
  value: number,
  unit: string,
  limit: number,
  options: { note: string; strictly?: boolean },
): Figure {
  const met = options.strictly ? value < limit : value <= limit;
  return { part, name, value, unit, target: `${options.strictly ? "<" : "<="} ${limit}`, met, note: options.note };
}

export async function ingestPart(
  broker: BrokerName,
  size: IngestSize,
  options: { breakdowns?: boolean; profile?: boolean } = {},
): Promise<Figure[]> {
  const workload = makeWorkload({ queries: size.queries, nodes: size.nodes, seed: `ingest-${broker}`, breakdowns: options.breakdowns });
  const results = size.queries * size.nodes;
  const part = `1 ingest ${broker}${options.breakdowns ? " +breakdowns" : ""}`;
  const bytes = messageBytes(workload);
  // The broker's rate before and after the hub's run, averaged: the machine is shared and its load drifts.
  const rawBefore = await rawRate(broker, workload, size);
  const hub = await hubRate(broker, workload, size, options.profile ?? false);
  const rawAfter = await rawRate(broker, workload, size);
  const storeOnly = await storeRate(workload);
  const raw = { rate: (rawBefore.rate() + rawAfter.rate()) / 2, settled: rawBefore.settled };
  const ratio = hub.probe.rate() / raw.rate;
  const msgs = hub.probe.settled;
  const storedInRun = hub.counts.states - workload.seed.length;
  const { cpu, runtime } = hub;
  const perMsg = (us: number) => us / Math.max(1, msgs);
  // Pauses and busy time are both wall time: on a loaded machine both stretch alike.
  const gcShare = runtime.gcMs / Math.max(1, runtime.busyMs);
  if (hub.profile) printSummary(`ingest ${broker}: hub main thread`, hub.profile);
  const rawCpu = (rawBefore.cpuPerDelivery() + rawAfter.cpuPerDelivery()) / 2;
  const hubCpu = hub.probe.cpuPerDelivery();
  // The seed, four node states per result, and each query's move to done.
  const expectedStates = workload.seed.length + 4 * results + size.queries;
  const correct = hub.completed === results && hub.counts.states === expectedStates && hub.probe.settled === raw.settled;
  const dups = await hub.metrics.outcomeCount("duplicate");
  const note = `${raw.settled} msgs, ${results} results, prefetch ${size.prefetch}`;
  return [
    {
      part,
      name: "result-update size, mean",
      value: bytes.all,
      unit: "bytes",
      note: `completed ones ${Math.round(bytes.completed)} bytes${options.breakdowns ? ", with four breakdowns (22 cells)" : ", count only"}`,
    },
    {
      part,
      name: "raw broker: parse + ack",
      value: raw.rate,
      unit: "msg/s",
      note: `${note}; before ${Math.round(rawBefore.rate())}, after ${Math.round(rawAfter.rate())}`,
    },
    { part, name: "hub: validate, apply, PostgreSQL, view, ack", value: hub.probe.rate(), unit: "msg/s" },
    {
      part,
      name: `PostgreSQL store alone, bursts of ${STORE_BURST}`,
      value: storeOnly.rate,
      unit: "proposals/s",
      note: `PostgreSQL CPU ${storeOnly.postgresPerState.toFixed(1)} µs per stored state`,
    },
    { part, name: `PostgreSQL store alone, the same bursts again (duplicates)`, value: storeOnly.duplicateRate, unit: "proposals/s" },
    { part, name: "hub / raw", value: ratio, unit: "ratio", target: ">= 0.5", met: ratio >= 0.5 },
    atMost(part, "hub main thread CPU per message", perMsg(cpu.mainThread), "µs", 28, {
      note: `/proc/<pid>/task/<pid>/stat over ${msgs} messages; event-loop utilisation ${runtime.elu.toFixed(2)}`,
    }),
    atMost(part, "hub all threads CPU per message", perMsg(cpu.process), "µs", 40, {
      note: `other threads (GC helpers, JIT, libuv) ${perMsg(cpu.process - cpu.mainThread).toFixed(1)} µs`,
    }),
    atMost(part, "PostgreSQL CPU per stored state", cpu.postgres / Math.max(1, storedInRun), "µs", 14, {
      note: `the hub's backends, ${storedInRun} states stored; ${perMsg(cpu.postgres).toFixed(1)} µs per message`,
    }),
    {
      part,
      name: "broker CPU per message",
      value: cpu.broker === undefined ? Number.NaN : perMsg(cpu.broker),
      unit: "µs",
      note: cpu.broker === undefined ? "broker process not on this machine" : "whole server process: other users of the broker count too",
    },
    atMost(part, "allocation per message", runtime.allocatedBytes / 1024 / Math.max(1, msgs), "KiB", 6, {
      note: `JS heap, from v8.GCProfiler; ${runtime.gcCount} collections; a bare consumer (adapter, parse, ack) ${((rawBefore.allocatedKiB + rawAfter.allocatedKiB) / 2).toFixed(1)} KiB`,
    }),
    atMost(part, "GC share of the main thread", 100 * gcShare, "%", 5, {
      strictly: true,
      note: `${runtime.gcMs.toFixed(0)} ms of GC pauses (perf_hooks) in ${runtime.busyMs.toFixed(0)} ms of busy event loop`,
    }),
    ...(runtime.promises === undefined
      ? []
      : [
          atMost(part, "promises per message", runtime.promises / Math.max(1, msgs), "promises", 5, {
            note: "counted in --profile runs only (a hook on every promise)",
          }),
        ]),
    {
      part,
      name: "CPU per message: raw / hub",
      value: rawCpu / hubCpu,
      unit: "ratio",
      note: `raw ${rawCpu.toFixed(1)} µs, hub ${hubCpu.toFixed(1)} µs of this process's CPU per message: steadier than rates on a shared machine`,
    },
    {
      part,
      name: "hub outcome check",
      value: correct ? 1 : 0,
      unit: "ok",
      note: `${hub.completed}/${results} completed, ${hub.counts.states}/${expectedStates} states, ${dups} duplicates, ${hub.probe.settled} settled`,
    },
  ];
}
