import type { Store, StoredState } from "../../shared/ports/store.ts";
import type { AppliedEvent, History, ReportedDecision } from "./history.ts";

const key = (kind: string, id: string, version: number) => `${kind}\u0000${id}\u0000${version}`;
/** The outcomes of a proposal that met a state stored at its own version. */
const MET_STORED: ReadonlySet<string> = new Set(["duplicate", "discarded"]);

/**
 * The decisions of a run whose replicas ran in processes of their own, put in store order. In one
 * process the replicas share one store object, whose decisions come one after another; in several,
 * two replicas decide at once, and the order their reports reach the runner is not the order the
 * store saw: a replica that read v4 and found a duplicate may report after another stored v5.
 * Every decision happened at a store position, the one of the state it wrote or, writing nothing,
 * of the newest state it read: the current one, and for a duplicate or a discard the state stored
 * at the proposed version, which may have come after the current one (a late state, stored below
 * it). Ordered by that position (a write before the reads of it, the reports' order among equals)
 * the decisions are one history the store could have made alone, which is what the checker
 * replays. A decision that read nothing goes before the item's first state.
 *
 * With `recover`, when the run killed a replica process with SIGKILL, the states it stored but
 * never reported are recovered first (recoverUnreported).
 */
export async function inStoreOrder(history: History, store: Store, queryIds: readonly string[], recover: boolean): Promise<void> {
  const states = (await Promise.all(queryIds.map((id) => store.history(id)))).flatMap((h) => h.states);
  if (recover) history.recovered(unreported(history, states));
  const seqOf = new Map(states.map((s) => [key(s.kind, s.id, s.itemVersion), s.seq]));
  const firstOf = new Map<string, number>();
  for (const s of states) if (!firstOf.has(`${s.kind}\u0000${s.id}`)) firstOf.set(`${s.kind}\u0000${s.id}`, s.seq);
  const position = (d: AppliedEvent): [number, number] => {
    if (d.storedVersion !== undefined) return [seqOf.get(key(d.kind, d.id, d.storedVersion)) ?? Number.POSITIVE_INFINITY, 0];
    const read = d.current?.versionInfo.itemVersion;
    if (read !== undefined) {
      const current = seqOf.get(key(d.kind, d.id, read)) ?? Number.POSITIVE_INFINITY;
      const met = MET_STORED.has(d.outcome) ? (seqOf.get(key(d.kind, d.id, d.proposed.versionInfo.itemVersion)) ?? 0) : 0;
      return [Math.max(current, met), 1];
    }
    return [(firstOf.get(`${d.kind}\u0000${d.id}`) ?? Number.POSITIVE_INFINITY) - 0.5, 1];
  };
  history.reorder((a, b) => {
    const [pa, ra] = position(a);
    const [pb, rb] = position(b);
    return pa - pb || ra - rb;
  });
}

/**
 * The states a hub replica process stored but never reported. A replica killed with SIGKILL dies
 * wherever the kill lands, between a store step and its report of that step too: PostgreSQL keeps
 * what it committed, the runner never hears of it. Each stored state no decision of the history
 * wrote is taken as that replica's decision, at the time the store gives it, from the store's own
 * record: its outcome, its message, the state. A decision that stored nothing (a duplicate, a
 * discard) leaves no state and is not recovered; it changed nothing. Only for a run that killed a
 * replica process: in any other, a state stored without a decision is the checker's to find.
 */
function unreported(history: History, states: readonly StoredState[]): ReportedDecision[] {
  const written = new Set(history.applied.flatMap((a) => (a.storedVersion === undefined ? [] : [key(a.kind, a.id, a.storedVersion)])));
  return states
    .filter((s) => !written.has(key(s.kind, s.id, s.itemVersion)))
    .map((s) => ({
      at: Date.parse(s.storedAt),
      kind: s.kind,
      id: s.id,
      // What the hub proposes carries no message; a node's proposal came in one.
      origin: s.kind === "query" || s.messageId === null ? "hub" : "node",
      outcome: s.outcome,
      proposed: s.state,
      storedVersion: s.itemVersion,
      current: s.state,
      messageId: s.messageId ?? undefined,
    }));
}
