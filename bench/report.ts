/** One measured figure, as the table prints it and the JSON report keeps it. */
export interface Figure {
  part: string;
  name: string;
  value: number;
  unit: string;
  /** The target, as BENCHMARKS.md states it, when this figure has one. */
  target?: string;
  met?: boolean;
  note?: string;
}

/** The p-th percentile (0..100) of samples, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  samples: number;
}

export function percentilesOf(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    samples: sorted.length,
  };
}

function show(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(3);
}

/** The figures as an aligned text table. */
export function table(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.part,
    f.name,
    show(f.value),
    f.unit,
    f.target ?? "",
    f.met === undefined ? "" : f.met ? "met" : "MISSED",
    f.note ?? "",
  ]);
  const head = ["part", "figure", "value", "unit", "target", "", "note"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 2 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
