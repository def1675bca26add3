/**
 * `npm run bench [-- --part ingest,simulation,latency,scale,api,replicas,startup] [--size small|medium|large] [--broker amqp,nats] [--breakdowns]`
 * Runs the chosen parts (all by default), prints a table and writes reports/bench-<date>.json.
 * With --breakdowns, the queries of the ingest, simulation and scale parts ask for all four breakdowns.
 * With --profile (the ingest part unless --part says otherwise), the hub's main thread is profiled during
 * each ingest run: reports/profile-ingest-<broker>-<date>.cpuprofile, its top functions and component shares
 * printed, and promises per message counted. The CPU figures of a profiled run are inflated by the sampling.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import { BROKERS, type BrokerName } from "./brokers.ts";
import { setMaxListeners } from "node:events";
import { apiReadsPart } from "./apiReads.ts";
import { ingestPart } from "./ingest.ts";
import { latencyPart } from "./latency.ts";
import { feedLagPart, replicaIngestPart } from "./replicas.ts";
import { scalePart } from "./scale.ts";
import { startupPart } from "./startup.ts";
import { simulationPart } from "./simulation.ts";
import { type Figure, table } from "./report.ts";
import { SIZES, type SizeName } from "./sizes.ts";

const PARTS = ["ingest", "simulation", "latency", "scale", "api", "replicas", "startup"] as const;
type PartName = (typeof PARTS)[number];

const Args = z.object({
  part: z
    .string()
    .default(PARTS.join(","))
    .transform((s) => s.split(",").map((p) => p.trim()))
    .pipe(z.array(z.enum(PARTS)).min(1)),
  size: z.enum(Object.keys(SIZES) as [SizeName, ...SizeName[]]).default("small"),
  broker: z
    .string()
    .default(BROKERS.join(","))
    .transform((s) => s.split(",").map((p) => p.trim()))
    .pipe(z.array(z.enum(BROKERS)).min(1)),
  breakdowns: z.boolean().default(false),
  profile: z.boolean().default(false),
});

const { values } = parseArgs({
  options: {
    part: { type: "string" },
    size: { type: "string" },
    broker: { type: "string" },
    breakdowns: { type: "boolean" },
    profile: { type: "boolean" },
  },
  strict: true,
});
// A profile is of the hub's ingest path: alone, --profile runs that part only.
const parsed = Args.safeParse(values.profile && values.part === undefined ? { ...values, part: "ingest" } : values);
if (!parsed.success) {
  console.error(`bench: ${parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ")}`);
  console.error(`parts: ${PARTS.join(", ")}; sizes: ${Object.keys(SIZES).join(", ")}; brokers: ${BROKERS.join(", ")}`);
  process.exit(2);
}
const { part: parts, size, broker: brokers, breakdowns, profile } = parsed.data;
const sizes = SIZES[size];

const run: Record<PartName, (brokers: readonly BrokerName[]) => Promise<Figure[]>> = {
  ingest: (bs) => sequential(bs, (b) => ingestPart(b, sizes.ingest, { breakdowns, profile })),
  simulation: () => simulationPart({ ...sizes.simulation, breakdowns }),
  latency: (bs) => sequential(bs, (b) => latencyPart(b, sizes.latency)),
  scale: () => scalePart({ ...sizes.scale, breakdowns }),
  api: (bs) => sequential(bs, (b) => apiReadsPart(b, sizes.api)),
  startup: () => startupPart(sizes.startup),
  replicas: async (bs) => [...(await feedLagPart(sizes.replicas)), ...(await sequential(bs, (b) => replicaIngestPart(b, sizes.replicas)))],
};

async function sequential<T>(items: readonly T[], fn: (item: T) => Promise<Figure[]>): Promise<Figure[]> {
  const out: Figure[] = [];
  for (const item of items) out.push(...(await fn(item)));
  return out;
}

// A simulated site sleeps on its stop signal once per result in flight: thousands of listeners by design.
setMaxListeners(Number.POSITIVE_INFINITY);
const started = new Date();
await mkdir("reports", { recursive: true });
// The machine is shared: the load around the run says how far its figures can be trusted.
const loadAtStart = loadavg();
const figures: Figure[] = [];
for (const p of parts) {
  const t0 = performance.now();
  const got = await run[p](brokers);
  figures.push(...got);
  console.error(`bench: ${p} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const loadAtEnd = loadavg();
const loadText = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");
console.log(table(figures));
console.log(`\nload average (1 / 5 / 15 min): at start ${loadText(loadAtStart)}, at end ${loadText(loadAtEnd)}`);
const report = {
  startedAt: started.toISOString(),
  command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
  size,
  parts,
  brokers,
  breakdowns,
  profile,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem(), node: process.version },
  loadAverage: { atStart: loadAtStart, atEnd: loadAtEnd },
  figures,
};
await mkdir("reports", { recursive: true });
const file = `reports/bench-${started.toISOString().replace(/[:.]/g, "-")}.json`;
await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwritten ${file}`);
process.exit(0);
