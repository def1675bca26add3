import type { ItemKind, ItemState } from "../apply/precedence.ts";
import type { Outcome, StoringOutcome } from "../apply/decide.ts";

/** A proposed state on its way into the store. */
export interface Proposal {
  kind: ItemKind;
  state: ItemState;
  /**
   * "hub" for the hub's own writes (fan-out, timedOut, query status); "node" for a node's
   * result-update, which is rejected when its query is unknown or was not sent to that node.
   */
  origin: "hub" | "node";
  messageId?: string;
}

/** A state as the store keeps it: keyed by (id, itemVersion), in store order. */
export interface StoredState {
  /** Store order, strictly increasing across all items. */
  seq: number;
  kind: ItemKind;
  id: string;
  queryId: string;
  itemVersion: number;
  state: ItemState;
  /** The outcome that stored it. */
  outcome: StoringOutcome;
  messageId: string | null;
  /** ISO-8601, the store's clock when it was written. */
  storedAt: string;
}

/** A proposal that collided with a different state at its (id, itemVersion), and what became of it. */
export interface ConflictRecord {
  seq: number;
  kind: ItemKind;
  id: string;
  queryId: string;
  itemVersion: number;
  proposed: ItemState;
  collidedWith: ItemState;
  resolution: "rebased" | "discarded";
  /** The version the proposal was stored at when rebased. */
  rebasedTo: number | null;
  messageId: string | null;
  at: string;
}

export interface Applied {
  outcome: Outcome;
  /** Why, for a rejection. */
  reason?: string;
  /** What was written, for applied, applied-late and conflict-rebased. */
  stored?: StoredState;
  /** The item's current state after this proposal (absent only for a rejection). */
  current?: ItemState;
}

export interface StoreCounts {
  states: number;
  conflicts: number;
}

/**
 * The write side of the hub. Each engine (memory, PGlite, PostgreSQL) keeps the exact
 * semantics of PROTOCOL.md section 3, through the pure decision in shared/apply.
 */
export interface Store {
  readonly name: string;
  /** Create or migrate the schema. Idempotent. */
  open(): Promise<void>;
  /**
   * Apply a burst of proposals in one atomic, durable step. The outcomes are exactly those of
   * applying them one by one in the given order; when this resolves they are durable.
   */
  apply(proposals: readonly Proposal[]): Promise<Applied[]>;
  /** Every stored state of one item, in store order. */
  states(kind: ItemKind, id: string): Promise<StoredState[]>;
  /** Every stored state of a query and its results, in store order, and their conflict log. */
  history(queryId: string): Promise<{ states: StoredState[]; conflicts: ConflictRecord[] }>;
  /** Every stored state, in store order, for rebuilding a view by replay. */
  replay(): AsyncIterable<StoredState>;
  counts(): Promise<StoreCounts>;
  /** A cheap probe for readiness: whether the store answers now. */
  ready?(): Promise<boolean>;
  close(): Promise<void>;
}
