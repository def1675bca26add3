import type { Breakdowns } from "../shared/protocol/breakdowns.ts";
import type { ResultState } from "../shared/protocol/items.ts";

/** What a site counted for one of its results, and what it will report: the truth a checker holds the hub's view to. */
export interface CountedResult {
  resultId: string;
  queryId: string;
  trueCount: number;
  /** The obfuscated count the node reports, or null when it fails the query. */
  reportedCount: number | null;
  /** The true cells of the breakdowns the query asked for; absent when it asked for none. */
  trueBreakdowns?: Breakdowns;
  /** The obfuscated cells the node reports, null when it fails the query; absent when the query asked for none or the node leaves breakdowns out. */
  reportedBreakdowns?: Breakdowns | null;
  /** The final status this node's plan ends in. */
  finalStatus: "completed" | "failed";
}

/**
 * Watches a site from outside the protocol, as a simulation's checker does; the agent itself keeps
 * nothing of what it tells. A run that reads none of it (a benchmark of a million results) passes none.
 */
export interface NodeObserver {
  /** A result's run begins, on intake or resumed from the ledger: what the site counted for it. */
  onCounted?(counted: CountedResult): void;
  /** The broker confirmed a result-update. */
  onSent?(result: ResultState): void;
}
