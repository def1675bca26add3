import type { ResultState } from "../protocol/items.ts";
import { type ItemKind, type ItemState, comparePrecedence, currentOf, stageOf, versionOf } from "./precedence.ts";
import { sameState } from "./sameState.ts";

export const OUTCOMES = ["applied", "applied-late", "duplicate", "conflict-rebased", "conflict-discarded", "rejected"] as const;
export type Outcome = (typeof OUTCOMES)[number];
/** Outcomes that write a state. */
export type StoringOutcome = "applied" | "applied-late" | "conflict-rebased";

/** What a proposal does to its item: PROTOCOL.md section 3, steps 2 to 4 (step 1 is {@link rejectReason}). */
export type Decision<S extends ItemState = ItemState> =
  | { outcome: "applied" | "applied-late"; write: S }
  | { outcome: "duplicate" }
  | { outcome: "conflict-rebased"; write: S; collidedWith: S }
  | { outcome: "conflict-discarded"; collidedWith: S; current: S }
  | { outcome: "rejected"; reason: string };

/**
 * The pure apply decision: given every stored state of one item and a proposed state of it,
 * what is written. No I/O, no clock: the same inputs always decide the same.
 */
export function decide<S extends ItemState>(kind: ItemKind, stored: readonly S[], proposal: S): Decision<S> {
  const v = versionOf(proposal);
  const atVersion = stored.find((s) => versionOf(s) === v);
  if (atVersion === undefined) {
    const current = currentOf(kind, stored);
    const late = current !== undefined && comparePrecedence(kind, proposal, current) < 0;
    return { outcome: late ? "applied-late" : "applied", write: proposal };
  }
  if (sameState(atVersion, proposal)) return { outcome: "duplicate" };
  const current = currentOf(kind, stored) as S;
  if (stageOf(kind, proposal) > stageOf(kind, current)) {
    const maxVersion = stored.reduce((m, s) => Math.max(m, versionOf(s)), 0);
    const write = { ...proposal, versionInfo: { ...proposal.versionInfo, itemVersion: maxVersion + 1 } };
    return { outcome: "conflict-rebased", write, collidedWith: atVersion };
  }
  return { outcome: "conflict-discarded", collidedWith: atVersion, current };
}

/** What the hub knows about a result's query when a node's proposal for it arrives. */
export interface ResultContext {
  /** Whether the query exists at all. */
  queryKnown: boolean;
  /** Every stored state of this result; empty when the query was not sent to this node. */
  stored: readonly ResultState[];
}

/**
 * PROTOCOL.md section 3 step 1 for what only the store can tell: an unknown query, or a node
 * the query was not sent to. The message-level checks (schema, sender identity) happen at ingest.
 */
export function rejectReason(proposal: ResultState, ctx: ResultContext): string | undefined {
  if (!ctx.queryKnown) return `unknown query ${proposal.queryId}`;
  if (ctx.stored.length === 0) return `query ${proposal.queryId} was not sent to node ${proposal.nodeId}`;
  return undefined;
}

/** Step 1 then steps 2 to 4, for a node's proposal of a result. */
export function decideResult(proposal: ResultState, ctx: ResultContext): Decision<ResultState> {
  const reason = rejectReason(proposal, ctx);
  if (reason !== undefined) return { outcome: "rejected", reason };
  return decide("result", ctx.stored, proposal);
}
