import type { RunResult } from "../run/runner.ts";
import { type Series, type Window, lineChart } from "./chart.ts";
import { niceStep } from "./svg.ts";

/** The SVG plots of a run, by file name. */
export type Plots = Record<"throughput.svg" | "latency.svg" | "queue.svg", string>;

/** The run's fault windows, each labelled with what and where. */
export function faultWindows(result: RunResult): Window[] {
  return result.history.faults.map((f) => ({ label: f.nodeId ? `${f.nodeId}: ${f.label}` : f.label, from: f.from, to: f.to }));
}

/** Times (ms since the start) into counts per bin, as a rate per second at each bin's start. */
function rate(times: readonly number[], spanMs: number, binMs: number): [number, number][] {
  const bins = new Array(Math.max(1, Math.ceil(spanMs / binMs))).fill(0);
  for (const t of times) bins[Math.min(bins.length - 1, Math.max(0, Math.floor(t / binMs)))]++;
  return steps(
    bins.map((n, i) => [i * binMs, n / (binMs / 1000)]),
    spanMs,
  );
}

/** Points of a value held until the next point, closed at the end of the run. */
function steps(points: readonly [number, number][], spanMs: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [i, [t, v]] of points.entries()) {
    if (i > 0) out.push([t, (points[i - 1] as [number, number])[1]]);
    out.push([t, v]);
  }
  const last = points.at(-1);
  if (last) out.push([spanMs, last[1]]);
  return out;
}

function quantileOf(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

/**
 * Applies and messages per second, apply latency (delivery to settlement at the hub) and the queue
 * toward the hub over the run's time, each with the fault windows shaded. The queue is what was
 * published to the hub and not yet settled by it: an estimate, since a copy made inside the
 * broker is settled without having been published.
 */
export function runPlots(result: RunResult): Plots {
  const { history } = result;
  const start = history.startedAt;
  const spanMs = Math.max(1, result.simulatedMs);
  const binMs = Math.max(100, niceStep(spanMs, 60));
  const windows = faultWindows(result);
  const rel = (t: number) => t - start;

  const decided = history.applied.map((a) => rel(a.at));
  const applied = history.applied.filter((a) => a.outcome === "applied" || a.outcome === "applied-late").map((a) => rel(a.at));
  const consumed = history.hubSettles.map((s) => rel(s.at));
  const throughput: Series[] = [
    { name: "messages consumed", colour: "#1f6feb", points: rate(consumed, spanMs, binMs) },
    { name: "store decisions", colour: "#9aa0a6", points: rate(decided, spanMs, binMs) },
    { name: "applied", colour: "#2a9d4b", points: rate(applied, spanMs, binMs) },
  ];

  const byBin = new Map<number, number[]>();
  for (const s of history.hubSettles) {
    const bin = Math.floor(rel(s.at) / binMs);
    byBin.set(bin, [...(byBin.get(bin) ?? []), s.ms]);
  }
  const latencyAt = (q: number) =>
    steps(
      [...byBin.entries()].sort((a, b) => a[0] - b[0]).map(([bin, ms]) => [bin * binMs, quantileOf(ms, q)]),
      spanMs,
    );
  const latency: Series[] = [
    { name: "p50", colour: "#1f6feb", points: latencyAt(0.5) },
    { name: "max", colour: "#c0392b", points: latencyAt(1) },
  ];

  const changes = [
    ...history.hubInbound.map((t) => [rel(t), 1] as const),
    ...history.settlements.filter((s) => s.how !== "nack").map((s) => [rel(s.at), -1] as const),
  ].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let depth = 0;
  const queue: [number, number][] = [[0, 0]];
  for (const [t, d] of changes) {
    depth = Math.max(0, depth + d);
    if ((queue.at(-1) as [number, number])[0] === t) (queue.at(-1) as [number, number])[1] = depth;
    else queue.push([t, depth]);
  }

  const binLabel = binMs >= 1000 ? `${binMs / 1000} s` : `${binMs} ms`;
  const title = `${result.scenario.name} (seed ${result.seed})`;
  return {
    "throughput.svg": lineChart({
      title: `${title}: applies and messages`,
      unit: `per second, in ${binLabel} bins`,
      spanMs,
      series: throughput,
      windows,
    }),
    "latency.svg": lineChart({
      title: `${title}: apply latency`,
      unit: `ms from delivery to settlement, per ${binLabel}`,
      spanMs,
      series: latency,
      windows,
    }),
    "queue.svg": lineChart({
      title: `${title}: queue toward the hub`,
      unit: "messages published, not yet settled",
      spanMs,
      series: [{ name: "queue depth", colour: "#8e44ad", points: steps(queue, spanMs) }],
      windows,
    }),
  };
}
