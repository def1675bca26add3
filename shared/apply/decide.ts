import { type ItemKind, type ItemState, currentOf, stageOf, versionOf } from "./precedence.ts";
import { sameState } from "./sameState.ts";

export const OUTCOMES = ["applied", "applied-late", "duplicate", "conflict-rebased", "conflict-discarded", "rejected"] as const;
export type Outcome = (typeof OUTCOMES)[number];
/** Outcomes that write a state. */
export type StoringOutcome = "applied" | "applied-late" | "conflict-rebased";

/** What an admitted proposal does to its item: PROTOCOL.md section 3, steps 2 to 4 (step 1 is admission.ts). */
export type Decision<S extends ItemState = ItemState> =
  | { outcome: "applied" | "applied-late"; write: S }
  | { outcome: "duplicate" }
  | { outcome: "conflict-rebased"; write: S; collidedWith: S }
  | { outcome: "conflict-discarded"; collidedWith: S; current: S };

/**
 * The pure apply decision: given every stored state of one item and a proposed state of it,
 * what is written. No I/O, no clock: the same inputs always decide the same.
 */
export function decide<S extends ItemState>(kind: ItemKind, stored: readonly S[], proposal: S): Decision<S> {
  const v = versionOf(proposal);
  const atVersion = stored.find((s) => versionOf(s) === v);
  if (atVersion === undefined) {
    // Late: stored, but a state stored before stays current. Nothing is stored at its version, so it never ties one.
    const late = currentOf(kind, [...stored, proposal]) !== proposal;
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
