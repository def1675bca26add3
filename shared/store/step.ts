import { proposalRefusal } from "../apply/admission.ts";
import { type Decision, decide } from "../apply/decide.ts";
import { type ItemKind, type ItemState, currentOf } from "../apply/precedence.ts";
import type { ResultState } from "../protocol/items.ts";
import type { Proposal } from "../ports/store.ts";

/** The query an item belongs to: a query is its own. */
export function queryIdOf(kind: ItemKind, state: ItemState): string {
  return kind === "query" ? state.id : (state as ResultState).queryId;
}

/**
 * How a store applies proposals. "versioned" is PROTOCOL.md section 3. "naive" is last-write-wins
 * by arrival, with no version checks: kept only so a scenario can show what the checker catches.
 */
export type ApplyPolicy = "versioned" | "naive";

export interface Step {
  decision: Decision | { outcome: "rejected"; reason: string };
  /** The item's current state after the proposal; absent for a rejection. */
  current?: ItemState;
}

/**
 * One proposal against the stored states of its item, as every store engine decides it:
 * a node's proposal passes the store's step-1 checks first, the hub's own writes do not.
 */
export function stepOf(proposal: Proposal, stored: readonly ItemState[], queryKnown: boolean, policy: ApplyPolicy = "versioned"): Step {
  const reason = proposalRefusal(proposal, stored, () => queryKnown);
  if (reason !== undefined) return { decision: { outcome: "rejected", reason } };
  // The naive policy keeps step 1 (who may write) and drops steps 2 to 4: whatever arrives last is current.
  if (policy === "naive" && proposal.origin === "node")
    return { decision: { outcome: "applied", write: proposal.state }, current: proposal.state };
  const decision = decide(proposal.kind, stored, proposal.state);
  switch (decision.outcome) {
    case "applied":
    case "applied-late":
    case "conflict-rebased":
      return { decision, current: currentOf(proposal.kind, [...stored, decision.write]) };
    default:
      return { decision, current: currentOf(proposal.kind, stored) };
  }
}
