import type { RunResult } from "../run/runner.ts";
import { type SwarmRun, swarmFailed } from "../swarm.ts";
import { type RunSummary, replayCommand, summarize, swarmReplayCommand } from "./summary.ts";

export interface JsonReport {
  scenario: string;
  description: string;
  seed: number;
  transport: string;
  store: string;
  policy: string;
  ok: boolean;
  /** The command that runs this run again, seed and flags included. */
  replay: string;
  /** The decision the counterexample is about, when it is about one (its `n` in `decisions`). */
  counterexampleDecision: number | null;
  trace: string;
  simulatedMs: number;
  summary: RunSummary;
  verdict: RunResult["verdict"];
  faults: RunResult["history"]["faults"];
  queries: string[];
  /** Every decision of the hub's store, relative to the start of the run. */
  decisions: {
    n: number;
    atMs: number;
    item: string;
    outcome: string;
    storedVersion: number | null;
    status: string | null;
    count: number | null;
  }[];
}

export function jsonReport(result: RunResult, replay = replayCommand(result)): JsonReport {
  const { history } = result;
  return {
    scenario: result.scenario.name,
    description: result.scenario.description,
    seed: result.seed,
    transport: result.transport,
    store: result.store,
    policy: result.policy,
    ok: result.verdict.ok,
    replay,
    counterexampleDecision: result.verdict.counterexample?.decision ?? null,
    trace: result.trace,
    simulatedMs: result.simulatedMs,
    summary: summarize(result),
    verdict: result.verdict,
    faults: history.faults,
    queries: result.queryIds,
    decisions: history.applied.map((a) => {
      const s = a.current as { status?: string; count?: number } | undefined;
      return {
        n: a.n,
        atMs: a.at - history.startedAt,
        item: a.id,
        outcome: a.outcome,
        storedVersion: a.storedVersion ?? null,
        status: s?.status ?? null,
        count: s?.count ?? null,
      };
    }),
  };
}

/** A swarm's report: which seeds passed, and each seed's run report (or the error that stopped it). */
export function swarmReport(runs: readonly SwarmRun[]) {
  return {
    seeds: runs.map((r) => r.seed),
    failingSeeds: runs.filter(swarmFailed).map((r) => r.seed),
    runs: runs.map((r) =>
      r.result ? jsonReport(r.result, swarmReplayCommand(r.result)) : { seed: r.seed, error: r.error ?? "no result" },
    ),
  };
}
