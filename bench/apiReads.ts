import type { BrokerName } from "./brokers.ts";
import { type Figure, percentilesOf } from "./report.ts";
import { type SteadySize, steadyRun } from "./steady.ts";

/** GET /api/queries/:id over loopback HTTP, one reader back to back, while the hub ingests at a steady rate. */
export async function apiReadsPart(broker: BrokerName, size: SteadySize): Promise<Figure[]> {
  const part = `5 api reads ${broker}`;
  const run = await steadyRun(broker, size, true);
  const p = percentilesOf(run.reads);
  const note = `${p.samples} reads (${run.readErrors} not 200) while ingesting ${Math.round(run.achievedRate)}/s, ${size.nodes} nodes per query`;
  return [
    { part, name: "GET /api/queries/:id p50", value: p.p50, unit: "ms", note },
    { part, name: "GET /api/queries/:id p95", value: p.p95, unit: "ms" },
    { part, name: "GET /api/queries/:id p99", value: p.p99, unit: "ms", target: "< 10", met: p.p99 < 10 && run.readErrors === 0 },
    { part, name: "GET /api/queries/:id max", value: p.max, unit: "ms" },
  ];
}
