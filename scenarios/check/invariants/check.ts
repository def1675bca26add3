import type { RunEvidence } from "../evidence.ts";
import type { Replay } from "../replay.ts";
import type { Violation } from "../verdict.ts";

/** One invariant: the violations of it in a run, from the run's evidence and the model's replay of its decisions. */
export type Check = (evidence: RunEvidence, replay: Replay) => Violation[];

/** Milliseconds into the run. */
export const sinceStart = (evidence: RunEvidence, at: number): number => at - evidence.startedAt;
