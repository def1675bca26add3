import type { RunResult } from "../run/runner.ts";

export interface RunSummary {
  /** Messages the hub consumed (every delivery, redeliveries included). */
  messages: number;
  applied: number;
  duplicatesAbsorbed: number;
  conflictsRebased: number;
  conflictsDiscarded: number;
  lateArrivals: number;
  rejected: number;
  deadLetters: number;
  msgsPerQuery: number;
  /** From delivery to settlement at the hub, in ms. */
  applyLatencyMs: { p50: number; p95: number; p99: number };
  /** What each fault did, e.g. "hub: ack dropped" -> 12. */
  faultActions: Record<string, number>;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

export function summarize(result: RunResult): RunSummary {
  const { history } = result;
  const count = (o: string) => history.applied.filter((a) => a.origin === "node" && a.outcome === o).length;
  const latencies = [...history.hubSettleMs].sort((a, b) => a - b);
  const messages = history.hubSettleMs.length;
  return {
    messages,
    applied: count("applied"),
    duplicatesAbsorbed: count("duplicate"),
    conflictsRebased: count("conflict-rebased"),
    conflictsDiscarded: count("conflict-discarded"),
    lateArrivals: count("applied-late"),
    rejected: count("rejected"),
    deadLetters: result.deadLetters.length,
    msgsPerQuery: result.queryIds.length ? Math.round((messages / result.queryIds.length) * 10) / 10 : 0,
    applyLatencyMs: { p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95), p99: quantile(latencies, 0.99) },
    faultActions: Object.fromEntries([...history.faultActions.entries()].sort()),
  };
}

/** The summary as an aligned two-column table for a terminal. */
export function summaryTable(s: RunSummary): string {
  const rows: [string, string][] = [
    ["messages consumed by the hub", String(s.messages)],
    ["applied", String(s.applied)],
    ["duplicates absorbed", String(s.duplicatesAbsorbed)],
    ["conflicts rebased", String(s.conflictsRebased)],
    ["conflicts discarded", String(s.conflictsDiscarded)],
    ["late arrivals (applied-late)", String(s.lateArrivals)],
    ["rejected by the store", String(s.rejected)],
    ["dead letters", String(s.deadLetters)],
    ["messages per query", String(s.msgsPerQuery)],
    ["apply latency p50/p95/p99 (ms)", `${s.applyLatencyMs.p50} / ${s.applyLatencyMs.p95} / ${s.applyLatencyMs.p99}`],
    ...Object.entries(s.faultActions).map(([k, v]): [string, string] => [`fault: ${k}`, String(v)]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n");
}
