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
  /** Its store position: store order, strictly increasing across all items and conflict records. */
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
  /** Its store position, in the one order it shares with the states. */
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
 * A page of the store feed: what was stored after a position, in store order. A reader that
 * keeps reading from `through` sees every state and conflict record exactly once, whoever stored it.
 */
export interface FeedPage {
  states: StoredState[];
  conflicts: ConflictRecord[];
  /** The position the page reaches: read on after it. The position read after, when nothing followed it. */
  through: number;
}

/** The newest view snapshot a store keeps: what a reader of the feed wrote down as of a position. */
export interface StoredSnapshot {
  /** The store position the snapshot is as of: read the feed on after it. */
  position: number;
  /** Opaque to the store: its writer's encoding. */
  data: Uint8Array;
}

/**
 * The write side of the hub. Each engine (memory, PGlite, PostgreSQL) keeps the exact
 * semantics of PROTOCOL.md section 3, through the pure decision in shared/apply.
 */
export interface Store {
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
  /**
   * At most `limit` states and conflict records stored after `position`, in store order. Once a
   * position is read, nothing is ever stored at or before it: a reader loses nothing by moving on.
   */
  readAfter(position: number, limit: number): Promise<FeedPage>;
  /**
   * Calls `listener` (no arguments, maybe late, maybe merged, maybe lost) after something was
   * stored, by this process or another over the same record. A wake-up only: readAfter is the
   * truth. Answers how to stop.
   */
  watch(listener: () => void): () => void;
  /** Keeps a view snapshot as of a position (a newer one for a position already kept is ignored). */
  saveSnapshot(snapshot: StoredSnapshot): Promise<void>;
  /** The snapshot of the highest position kept, if any. */
  latestSnapshot(): Promise<StoredSnapshot | undefined>;
  counts(): Promise<StoreCounts>;
  /** A cheap probe for readiness: whether the store answers now. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
