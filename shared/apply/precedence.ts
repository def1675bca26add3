import type { QueryState, ResultState } from "../protocol/items.ts";
import { queryStage, resultStage } from "../protocol/status.ts";

/** The two kinds of versioned item of PROTOCOL.md section 1. */
export type ItemKind = "query" | "result";
export type ItemState = QueryState | ResultState;

export function stageOf(kind: ItemKind, state: ItemState): number {
  if (kind === "result") return resultStage((state as ResultState).status);
  // Stryker disable next-line StringLiteral,LogicalOperator: every query state the hub stores is its own, written with a status (QueryDesk), so the default is never taken; and every query at one stage orders its states as the ladder does, because the hub writes a query's next status only above what its view shows, at the next version, from created only dispatched (failed only in a hub that knows no site), from dispatched only done: states of one query rise in stage with version, and two replicas racing write the same status at one version (racing-replicas)
  return queryStage((state as QueryState).status ?? "created");
}

export const versionOf = (state: ItemState): number => state.versionInfo.itemVersion;

/** Precedence of two states of one item: higher stage, then higher itemVersion. Positive when a wins. */
export function comparePrecedence(kind: ItemKind, a: ItemState, b: ItemState): number {
  return precedenceOf(stageOf(kind, a), versionOf(a), stageOf(kind, b), versionOf(b));
}

/** The same order from stages and versions alone, for a reader that keeps states packed as numbers. */
export function precedenceOf(stageA: number, versionA: number, stageB: number, versionB: number): number {
  return stageA - stageB || versionA - versionB;
}

/** The current state: the stored state of highest precedence. */
export function currentOf<S extends ItemState>(kind: ItemKind, states: readonly S[]): S | undefined {
  let best: S | undefined;
  for (const s of states) if (best === undefined || comparePrecedence(kind, s, best) > 0) best = s;
  return best;
}
