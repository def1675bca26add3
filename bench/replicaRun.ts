/**
 * One hub replica in a process of its own, so that replicas run on separate cores as they would on
 * separate machines: `tsx bench/replicaRun.ts <broker> <prefix> <schema> <nodeIds,> <prefetch> <expected>`
 * ingests from the broker until `expected` deliveries settled across all replicas could have been
 * reached (it stops after IDLE_MS without one) and prints one JSON line: what it settled, when its
 * first and last delivery were (wall-clock ms, comparable between processes), and its CPU time.
 */
import { startHub } from "../hub/hub.ts";
import { silentLogger } from "../shared/log.ts";
import { createStore } from "../shared/store/create.ts";
import { SERVICES } from "../shared/testing/services.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import { connectBroker } from "./brokers.ts";
import { ConsumeProbe } from "./probe.ts";
import { processCpu } from "./procCpu.ts";

/** A replica that met no delivery for this long after its last one is done: the others took the rest. */
const IDLE_MS = 3_000;

export interface ReplicaRun {
  settled: number;
  /** Wall-clock ms of the first delivery and of the last settlement. */
  first: number;
  last: number;
  /** CPU time of this process (every thread) from its first delivery to its end, µs. */
  cpuUs: number;
}

const [broker, prefix, schema, nodes, prefetchText, expectedText] = process.argv.slice(2);
const nodeIds = (nodes ?? "").split(",");
const prefetch = Number(prefetchText);
const store = await createStore("postgres", { clock: systemClock, databaseUrl: SERVICES.postgres.url, schema: schema as string });
const transport = await connectBroker(broker as string, prefix as string, prefetch, `bench-replica-${process.pid}`);
let cpuAtFirst = 0;
const probe = new ConsumeProbe({ onFirst: () => (cpuAtFirst = processCpu(process.pid) ?? 0) });
const hub = await startHub({
  transport: probe.wrap(transport),
  store,
  clock: systemClock,
  random: new SeededRandom(`bench-replica-${process.pid}`),
  log: silentLogger,
  nodeIds,
  resultTimeoutMs: 3_600_000,
  heartbeatMs: 60_000,
  prefetch,
});
await probe.until(Number(expectedText), IDLE_MS);
const cpuUs = (processCpu(process.pid) ?? 0) - cpuAtFirst;
await hub.stop();
await transport.close();
await store.close();
const origin = performance.timeOrigin;
const run: ReplicaRun = { settled: probe.settled, first: origin + (probe.first ?? 0), last: origin + (probe.last ?? 0), cpuUs };
// Exit only once the line is written: stdout to a pipe is asynchronous.
process.stdout.write(`${JSON.stringify(run)}\n`, () => process.exit(0));
