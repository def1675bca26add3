import type { ItemState } from "../evidence.ts";
import { sameItem } from "./canonical.ts";
import { type ItemKind, rungOf, stageOf } from "./ladder.ts";

/**
 * The reference model of PROTOCOL.md sections 1 to 3: every stored state of every item, and what
 * applying a proposed state does to them. Deliberately small and written straight from the text,
 * with its own ladder and its own equality, so that it can judge the hub's store rather than
 * repeat it. It keeps every state in a list and searches it: a run has a few hundred.
 */

export const OUTCOMES = ["applied", "applied-late", "duplicate", "conflict-rebased", "conflict-discarded", "rejected"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface Proposal {
  kind: ItemKind;
  /** The hub's own writes (fan-out, timedOut, query status) or a node's result-update. */
  origin: "hub" | "node";
  state: ItemState;
}

/** What applying one proposal did: its outcome, the version written if any, and the item's current state after it. */
export interface ModelDecision {
  outcome: Outcome;
  storedVersion: number | undefined;
  current: ItemState | undefined;
  /** Why, for a rejection. */
  reason?: string;
}

const versionOf = (s: ItemState): number => s.versionInfo.itemVersion;

/** Section 2: higher stage wins, then higher itemVersion. Positive when a wins. */
export function precedence(kind: ItemKind, a: ItemState, b: ItemState): number {
  return stageOf(kind, a.status) - stageOf(kind, b.status) || versionOf(a) - versionOf(b);
}

/** Section 2: the current state is the stored state of highest precedence. */
export function currentOf(kind: ItemKind, stored: readonly ItemState[]): ItemState | undefined {
  let best: ItemState | undefined;
  for (const s of stored) if (best === undefined || precedence(kind, s, best) > 0) best = s;
  return best;
}

export class ReferenceModel {
  private readonly items = new Map<string, ItemState[]>();

  /** Every stored state of an item, in the order stored. */
  stored(kind: ItemKind, id: string): readonly ItemState[] {
    return this.items.get(`${kind} ${id}`) ?? [];
  }

  current(kind: ItemKind, id: string): ItemState | undefined {
    return currentOf(kind, this.stored(kind, id));
  }

  /** Every item with a stored state, and its current state. */
  *currents(): Generator<{ kind: ItemKind; id: string; current: ItemState }> {
    for (const [key, stored] of this.items) {
      const kind = key.slice(0, key.indexOf(" ")) as ItemKind;
      const current = currentOf(kind, stored);
      if (current) yield { kind, id: key.slice(kind.length + 1), current };
    }
  }

  /** Section 3, for one proposal P of item `id` at version `v`. */
  apply(p: Proposal): ModelDecision {
    const reason = this.refusal(p);
    if (reason !== undefined) return { outcome: "rejected", storedVersion: undefined, current: undefined, reason };
    const stored = this.items.get(`${p.kind} ${p.state.id}`) ?? [];
    this.items.set(`${p.kind} ${p.state.id}`, stored);
    const v = versionOf(p.state);
    const atV = stored.find((s) => versionOf(s) === v);
    const before = currentOf(p.kind, stored);

    // Step 2: nothing stored at (id, v): store P; late when it does not become the current state.
    if (atV === undefined) {
      stored.push(p.state);
      const after = currentOf(p.kind, stored);
      return { outcome: after === p.state ? "applied" : "applied-late", storedVersion: v, current: after };
    }
    // Step 3: the same state at (id, v): nothing is written.
    if (sameItem(atV, p.state)) return { outcome: "duplicate", storedVersion: undefined, current: before };
    // Step 4: a different state at (id, v): a conflict, resolved by the stage of P against the current state C.
    const c = before as ItemState;
    if (stageOf(p.kind, p.state.status) > stageOf(p.kind, c.status)) {
      const top = Math.max(...stored.map(versionOf)) + 1;
      stored.push({ ...p.state, versionInfo: { ...p.state.versionInfo, itemVersion: top } });
      return { outcome: "conflict-rebased", storedVersion: top, current: currentOf(p.kind, stored) };
    }
    return { outcome: "conflict-discarded", storedVersion: undefined, current: c };
  }

  /**
   * Step 1, the part the store can tell: a node writes results only, with a status a node may
   * set, of a query that exists and was sent to it (the hub stored its result's first state).
   * The hub's own writes are its own: never refused. A status the protocol does not have is
   * refused whoever proposes it.
   */
  private refusal(p: Proposal): string | undefined {
    const rung = rungOf(p.kind, p.state.status);
    if (rung === undefined) return `unknown ${p.kind} status ${p.state.status}`;
    if (p.origin === "hub") return undefined;
    if (p.kind !== "result") return "a node proposes results only";
    if (rung.setBy !== "node") return `status ${p.state.status} is set by the hub, not by a node`;
    const queryId = p.state.queryId ?? p.state.id.split(":")[0];
    if (this.stored("query", queryId as string).length === 0) return `unknown query ${queryId}`;
    if (this.stored("result", p.state.id).length === 0) return `query ${queryId} was not sent to node ${p.state.nodeId}`;
    return undefined;
  }
}
