import type { Applied, ConflictRecord, Proposal } from "../ports/store.ts";
import type { ResultState } from "../protocol/items.ts";
import { proposalRefusal } from "./admission.ts";
import { type Decision, type StoringOutcome, decide } from "./decide.ts";
import { type ItemKind, type ItemState, currentOf, versionOf } from "./precedence.ts";

/** What a plan reads of the store, as it was before the burst. */
export interface StoredItems {
  /** Every stored state of the item the proposal at `ord` names, in store order; empty when it has none. */
  statesOf(ord: number): readonly ItemState[];
  /** Whether a query has a stored state. */
  queryKnown(queryId: string): boolean;
}

/** A state to store for the proposal at `ord`; its seq and time are the engine's. */
export interface PlannedWrite {
  ord: number;
  kind: ItemKind;
  queryId: string;
  state: ItemState;
  outcome: StoringOutcome;
  messageId: string | null;
}

/** A conflict record to keep for the proposal at `ord`; its seq and time are the engine's. */
export type PlannedConflict = Omit<ConflictRecord, "seq" | "at"> & { ord: number };

/** What a burst does, as one-by-one application in its order would do it. */
export interface Plan {
  /** Each proposal's outcome, in proposal order. An engine sets `stored` on those it wrote, once written. */
  outcomes: Applied[];
  /** The states to store, in proposal order. */
  writes: PlannedWrite[];
  /** The conflict records to keep, in proposal order; a rebased proposal's comes after its write. */
  conflicts: PlannedConflict[];
  /** The states the burst writes, by kind and item id, in order: what an engine that keeps items in process adds to them. */
  written: Readonly<Record<ItemKind, ReadonlyMap<string, readonly ItemState[]>>>;
}

/** Steps 2 to 4 for a proposal step 1 admitted, given every stored state of its item. */
export type DecideAdmitted = (proposal: Proposal, stored: readonly ItemState[]) => Decision;

/** Turns a burst and the stored states of its items into outcomes and writes: what every store engine calls. */
export type Planner = (proposals: readonly Proposal[], stored: StoredItems) => Plan;

/** The query an item belongs to: a query is its own. */
export function queryIdOf(kind: ItemKind, state: ItemState): string {
  return kind === "query" ? state.id : (state as ResultState).queryId;
}

function conflictOf(ord: number, p: Proposal, queryId: string, collidedWith: ItemState, rebasedTo: number | null): PlannedConflict {
  return {
    ord,
    kind: p.kind,
    id: p.state.id,
    queryId,
    itemVersion: versionOf(p.state),
    proposed: p.state,
    collidedWith,
    resolution: rebasedTo === null ? "discarded" : "rebased",
    rebasedTo,
    messageId: p.messageId ?? null,
  };
}

/** PROTOCOL.md section 3 steps 2 to 4. */
export const decideVersioned: DecideAdmitted = (proposal, stored) => decide(proposal.kind, stored, proposal.state);

/**
 * A planner from a decision: step 1 (admission.ts), then the decision for each admitted proposal,
 * each proposal seeing the writes of the ones before it in the burst (evolve). The only place
 * where outcomes become writes.
 */
export function planWith(decideAdmitted: DecideAdmitted): Planner {
  return (proposals, stored) => {
    const outcomes: Applied[] = [];
    const writes: PlannedWrite[] = [];
    const conflicts: PlannedConflict[] = [];
    // Only what the burst writes is kept here: a proposal whose item it has not written reads the store alone.
    const written = { query: new Map<string, ItemState[]>(), result: new Map<string, ItemState[]>() };
    const queryKnown = (queryId: string) => written.query.has(queryId) || stored.queryKnown(queryId);
    for (let ord = 0; ord < proposals.length; ord++) {
      const p = proposals[ord] as Proposal;
      const ofItem = written[p.kind].get(p.state.id);
      const before = ofItem === undefined ? stored.statesOf(ord) : [...stored.statesOf(ord), ...ofItem];
      const reason = proposalRefusal(p, before, queryKnown);
      if (reason !== undefined) {
        outcomes.push({ outcome: "rejected", reason });
        continue;
      }
      const decision = decideAdmitted(p, before);
      const queryId = queryIdOf(p.kind, p.state);
      switch (decision.outcome) {
        case "duplicate":
          outcomes.push({ outcome: "duplicate", current: currentOf(p.kind, before) });
          continue;
        case "conflict-discarded":
          conflicts.push(conflictOf(ord, p, queryId, decision.collidedWith, null));
          outcomes.push({ outcome: "conflict-discarded", current: decision.current });
          continue;
      }
      const write = decision.write;
      writes.push({ ord, kind: p.kind, queryId, state: write, outcome: decision.outcome, messageId: p.messageId ?? null });
      if (decision.outcome === "conflict-rebased") conflicts.push(conflictOf(ord, p, queryId, decision.collidedWith, versionOf(write)));
      // A state stored as applied or rebased outranks every state before it; one applied late does not.
      const current = decision.outcome === "applied-late" ? currentOf(p.kind, before) : write;
      outcomes.push({ outcome: decision.outcome, current });
      if (ofItem === undefined) written[p.kind].set(p.state.id, [write]);
      else ofItem.push(write);
    }
    return { outcomes, writes, conflicts, written };
  };
}

/**
 * Visits a plan's writes and conflict records in the order they take store positions: the order
 * the hub decided them (docs/protocol.md, "store order"), as if its proposals were applied one by
 * one, a rebased state before its conflict record. `i` is the index in `writes` or `conflicts`.
 */
export function eachInStoreOrder(
  { writes, conflicts }: Pick<Plan, "writes" | "conflicts">,
  onWrite: (w: PlannedWrite, i: number) => void,
  onConflict: (c: PlannedConflict, i: number) => void,
): void {
  let w = 0;
  const writesUpTo = (ord: number) => {
    for (; w < writes.length && (writes[w] as PlannedWrite).ord <= ord; w++) onWrite(writes[w] as PlannedWrite, w);
  };
  conflicts.forEach((c, i) => {
    writesUpTo(c.ord);
    onConflict(c, i);
  });
  writesUpTo(Number.POSITIVE_INFINITY);
}

/** The plan of PROTOCOL.md section 3: every store engine's unless it is given another. */
export const plan: Planner = planWith(decideVersioned);
