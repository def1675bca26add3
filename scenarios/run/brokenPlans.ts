import { type Decision, decide } from "../../shared/apply/decide.ts";
import { type DecideAdmitted, type Planner, plan, planWith } from "../../shared/apply/plan.ts";
import { currentOf, versionOf } from "../../shared/apply/precedence.ts";
import type { ResultState } from "../../shared/protocol/items.ts";

/**
 * The plan of PROTOCOL.md section 3 with one rule taken out: what a hub with that one mistake in
 * its store would decide. They exist to show what the checker catches: each must fail a scenario
 * that makes its rule fire. `--policy <name>` runs one.
 */
export const BROKEN_RULES = [
  "no-admission",
  "duplicate-as-conflict",
  "never-rebase",
  "always-rebase",
  "rebase-in-place",
  "late-as-current",
  "no-timeout",
  "timeout-wins",
] as const;
export type BrokenRule = (typeof BROKEN_RULES)[number];

/** The versioned decision, changed where `change` says: it sees the proposal, the item's stored states and what the rule decided. */
const changed = (change: (decision: Decision, ...args: Parameters<DecideAdmitted>) => Decision): Planner =>
  planWith((proposal, stored) => change(decide(proposal.kind, stored, proposal.state), proposal, stored));

const isTimedOut = (state: { status?: string } | undefined) => (state as ResultState | undefined)?.status === "timedOut";

export const BROKEN_PLANS: Readonly<Record<BrokenRule, Planner>> = {
  /** Step 1 gone from the store: a node writes any result, of a query it was never sent or of none at all. */
  "no-admission": (proposals, stored) =>
    plan(
      proposals.map((p) => ({ ...p, origin: "hub" })),
      stored,
    ),

  /** Step 3 gone: the same state again is a conflict; it never outranks the current state, so it is discarded. */
  "duplicate-as-conflict": changed((decision, proposal, stored) =>
    decision.outcome === "duplicate"
      ? {
          outcome: "conflict-discarded",
          collidedWith: stored.find((s) => versionOf(s) === versionOf(proposal.state)) as ResultState,
          current: currentOf(proposal.kind, stored) as ResultState,
        }
      : decision,
  ),

  /** Step 4 without its rebase: every conflict keeps the current state, even one the proposal outranks. */
  "never-rebase": changed((decision, proposal, stored) =>
    decision.outcome === "conflict-rebased"
      ? { outcome: "conflict-discarded", collidedWith: decision.collidedWith, current: currentOf(proposal.kind, stored) as ResultState }
      : decision,
  ),

  /** Step 4 without its ladder: every conflict is stored above the others, even one the current state outranks. */
  "always-rebase": changed((decision, proposal, stored) => {
    if (decision.outcome !== "conflict-discarded") return decision;
    const top = Math.max(...stored.map(versionOf)) + 1;
    return {
      outcome: "conflict-rebased",
      write: { ...proposal.state, versionInfo: { ...proposal.state.versionInfo, itemVersion: top } },
      collidedWith: decision.collidedWith,
    };
  }),

  /** Step 4 rebasing at the version it collided at, not at the highest stored version plus one. */
  "rebase-in-place": changed((decision, proposal) =>
    decision.outcome === "conflict-rebased" ? { ...decision, write: proposal.state } : decision,
  ),

  /** Step 2 without lateness: a state that arrives late is counted applied and becomes the current state. */
  "late-as-current": changed((decision) => (decision.outcome === "applied-late" ? { ...decision, outcome: "applied" } : decision)),

  /** The hub's timedOut is never written: the store calls it a duplicate of what it holds. */
  "no-timeout": changed((decision, proposal) =>
    proposal.origin === "hub" && isTimedOut(proposal.state) ? { outcome: "duplicate" } : decision,
  ),

  /** A late final loses to timedOut: stored below it when its version is free, discarded when it collides. */
  "timeout-wins": changed((decision, proposal, stored) => {
    const current = currentOf(proposal.kind, stored);
    if (proposal.origin !== "node" || !isTimedOut(current)) return decision;
    if (decision.outcome === "applied") return { ...decision, outcome: "applied-late" };
    if (decision.outcome === "conflict-rebased")
      return { outcome: "conflict-discarded", collidedWith: decision.collidedWith, current: current as ResultState };
    return decision;
  }),
};
