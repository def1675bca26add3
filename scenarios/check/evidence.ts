import type { ItemKind } from "./model/ladder.ts";

/**
 * What the checker reads: plain data the runner hands it, shaped here so that the checker needs
 * nothing of the hub's code to read it. A state is whatever JSON the hub stored; the checker looks
 * at its id, version and status and compares the rest whole.
 */

export interface ItemState {
  id: string;
  versionInfo: { itemVersion: number };
  status?: string;
}

/** One proposal the hub's store decided, in the order it decided them. */
export interface Decision {
  /** 1, 2, ... in decision order. */
  n: number;
  /** On the run's clock. */
  at: number;
  kind: ItemKind;
  id: string;
  origin: "hub" | "node";
  outcome: string;
  proposed: ItemState;
  /** The version written, when something was. */
  storedVersion: number | undefined;
  /** The item's current state after it, as the store answered. */
  current: ItemState | undefined;
  messageId: string | undefined;
}

/** How the hub settled one delivery it consumed: acknowledged, given back, or dead-lettered. */
export interface Settlement {
  /** Position among every commit and settlement of the run. */
  seq: number;
  at: number;
  /** The envelope's messageId, when the body had one. */
  messageId: string | undefined;
  /** The envelope's type, when the body was a message. */
  type: string | undefined;
  how: "ack" | "nack" | "deadLetter";
}

/** A store step that resolved: from then on the outcomes of these messages are durable. */
export interface Commit {
  /** Position among every commit and settlement of the run. */
  seq: number;
  at: number;
  messageIds: string[];
}
