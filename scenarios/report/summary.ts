import { RULES, type Rule, type RuleCounts } from "../check/rules.ts";
import type { CheckName } from "../check/checker.ts";
import type { RunResult } from "../run/runner.ts";
import { SIMULATED } from "../run/context.ts";

export interface RunSummary {
  /** Messages the hub consumed (every delivery, redeliveries included). */
  messages: number;
  /** How often each rule of the protocol fired (scenarios/check/rules.ts). */
  rules: RuleCounts;
  /** The rules the scenario declares it exercises. */
  exercises: Rule[];
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
  const latencies = history.hubSettles.map((s) => s.ms).sort((a, b) => a - b);
  const messages = history.hubSettles.length;
  return {
    messages,
    rules: result.rules,
    exercises: result.scenario.exercises,
    deadLetters: result.deadLetters.length,
    msgsPerQuery: result.queryIds.length ? Math.round((messages / result.queryIds.length) * 10) / 10 : 0,
    applyLatencyMs: { p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95), p99: quantile(latencies, 0.99) },
    faultActions: Object.fromEntries([...history.faultActions.entries()].sort()),
  };
}

/** What each rule means, for a reader of the summary. */
const RULE_LABELS: Record<Rule, string> = {
  applied: "applied",
  "applied-late": "applied-late (stored, not current)",
  duplicate: "duplicate (absorbed)",
  rebased: "rebased (conflict, stored above)",
  discarded: "discarded (conflict, kept in the log)",
  timedOut: "timedOut (the hub gave up on a site)",
  "late-final": "late-final (a final state over timedOut)",
  rejected: "rejected (dead-lettered)",
};

/** A rule's count, and whether the scenario declared it: exercised when it fired, missed when it did not. */
function ruleCell(s: RunSummary, rule: Rule): string {
  const n = s.rules[rule];
  if (!s.exercises.includes(rule)) return String(n);
  return `${n}  ${n > 0 ? "exercised" : "MISSED: declared in exercises"}`;
}

/** The summary as an aligned two-column table for a terminal. */
export function summaryTable(s: RunSummary): string {
  const rows: [string, string][] = [
    ["messages consumed by the hub", String(s.messages)],
    ...RULES.map((r): [string, string] => [`rule: ${RULE_LABELS[r]}`, ruleCell(s, r)]),
    ["dead letters", String(s.deadLetters)],
    ["messages per query", String(s.msgsPerQuery)],
    ["apply latency p50/p95/p99 (ms)", `${s.applyLatencyMs.p50} / ${s.applyLatencyMs.p95} / ${s.applyLatencyMs.p99}`],
    ...Object.entries(s.faultActions).map(([k, v]): [string, string] => [`fault: ${k}`, String(v)]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n");
}

/** What the verdict judged, in order: each invariant checked, then the rules the scenario declares it exercises. */
export function checksOf(result: RunResult): { name: CheckName; label: string }[] {
  const { exercises } = result.scenario;
  return [
    ...result.verdict.checked.map((name) => ({ name, label: name })),
    ...(exercises.length > 0 ? [{ name: "exercises" as const, label: `exercises: ${exercises.join(", ")}` }] : []),
  ];
}

/** The flags that run this run again: its seed, transport, store and policy. */
export function replayFlags(r: RunResult): string {
  return `--seed ${r.seed} --transport ${r.transport} --store ${r.store} --policy ${r.policy}`;
}

/** The command that runs this run again: the same scenario (a swarm's seed alone) with the same flags. */
export function replayCommand(r: RunResult, scenarioArg = r.scenario.name): string {
  return `npm run scenario -- ${scenarioArg} ${replayFlags(r)}`;
}

/** The command that runs one seed of a swarm again. */
export const swarmReplayCommand = (r: RunResult) => `npm run scenario -- swarm --runs 1 ${replayFlags(r)}`;

/** What a run prints when it ends, line by line: the same text goes into its summary.txt. */
export function summaryLines(result: RunResult, replay: string): string[] {
  const v = result.verdict;
  const timeKind = result.transport === SIMULATED ? "virtual" : "real";
  const lines = [
    `scenario ${result.scenario.name}: ${result.scenario.description}`,
    `seed ${result.seed}, transport ${result.transport}, store ${result.store}, policy ${result.policy}, ${(result.simulatedMs / 1000).toFixed(1)} s ${timeKind} time`,
    summaryTable(summarize(result)),
  ];
  for (const check of checksOf(result)) {
    const n = v.violations.filter((x) => x.invariant === check.name).length;
    lines.push(`  ${n === 0 ? "ok  " : "FAIL"} ${check.label}${n ? ` (${n} violation${n > 1 ? "s" : ""})` : ""}`);
  }
  if (v.ok) lines.push("verdict: every invariant holds");
  else {
    lines.push(`verdict: FAIL, ${v.violations.length} violation(s)`);
    if (v.counterexample) lines.push(`counterexample (${v.counterexample.invariant}): ${v.counterexample.message}`);
    lines.push(`seed ${result.seed}; reproduce with: ${replay}`);
  }
  lines.push(`trace ${result.trace}`);
  return lines;
}
