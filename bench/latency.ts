import type { BrokerName } from "./brokers.ts";
import { type Figure, percentilesOf } from "./report.ts";
import { bareSteadyRun, type SteadySize, steadyRun } from "./steady.ts";

/**
 * Publish-to-view latency at a steady offered load on a real broker, the hub storing in
 * PostgreSQL; beside it, the same load through a bare consumer: the broker's own latency, which
 * no consumer can go under.
 */
export async function latencyPart(broker: BrokerName, size: SteadySize): Promise<Figure[]> {
  const part = `3 latency ${broker}`;
  const bare = percentilesOf((await bareSteadyRun(broker, size)).latencies);
  const run = await steadyRun(broker, size, false);
  const p = percentilesOf(run.latencies);
  const note = `offered ${size.rate}/s for ${size.seconds} s, published at ${Math.round(run.achievedRate)}/s, ${run.missing} never shown`;
  return [
    {
      part,
      name: "broker alone (parse + ack) p99",
      value: bare.p99,
      unit: "ms",
      note: `p50 ${bare.p50.toFixed(1)} ms, max ${bare.max.toFixed(1)} ms`,
    },
    { part, name: "publish -> view p50", value: p.p50, unit: "ms", note },
    { part, name: "publish -> view p95", value: p.p95, unit: "ms" },
    { part, name: "publish -> view p99", value: p.p99, unit: "ms", target: "< 50", met: p.p99 < 50 && run.missing === 0 },
    { part, name: "publish -> view max", value: p.max, unit: "ms", note: `${p.samples} samples` },
  ];
}
