import { describeState } from "../describe.ts";
import type { ConflictEntry, Decision, FeedRead, StoredRecord } from "../evidence.ts";
import { sameItem } from "../model/canonical.ts";
import { stageOf } from "../model/ladder.ts";
import { currentOf } from "../model/model.ts";
import type { Violation } from "../verdict.ts";
import { type Check, sinceStart } from "./check.ts";

const CONFLICT_RESOLUTIONS: Readonly<Record<string, string>> = { "conflict-rebased": "rebased", "conflict-discarded": "discarded" };

/** Who a stored state or a conflict came from: the message that carried it, or the hub. */
const carrier = (messageId: string | null | undefined) => (messageId ? `message ${messageId}` : "the hub");

/** A conflict as the decision history and the conflict log can both tell it. */
const conflictLine = (resolution: string, itemVersion: number, rebasedTo: number | null, messageId: string | null | undefined) =>
  `v${itemVersion} ${resolution}${rebasedTo !== null ? ` to v${rebasedTo}` : ""} from ${carrier(messageId)}`;

function byItem<T extends { id: string }>(all: Iterable<T>): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of all) {
    const of = out.get(x.id);
    if (of) of.push(x);
    else out.set(x.id, [x]);
  }
  return out;
}

const allStates = (stored: readonly { states: readonly StoredRecord[] }[]) => stored.flatMap((h) => h.states);
const allConflicts = (stored: readonly { conflicts: readonly ConflictEntry[] }[]) => stored.flatMap((h) => h.conflicts);

/** Invariants over what the store holds at the end: its states and its conflict log. */
export const STORE_CHECKS = {
  /** A duplicate is what it claims: the state stored at its version is the proposal, compared whole. */
  "duplicates-match-store"(evidence) {
    const out: Violation[] = [];
    const states = byItem(allStates(evidence.stored));
    for (const d of evidence.decisions) {
      if (d.outcome !== "duplicate") continue;
      const v = d.proposed.versionInfo.itemVersion;
      const atV = (states.get(d.id) ?? []).filter((s) => s.itemVersion === v).sort((a, b) => a.seq - b.seq)[0];
      if (atV && sameItem(atV.state, d.proposed)) continue;
      const t = sinceStart(evidence, d.at);
      out.push({
        invariant: "duplicates-match-store",
        item: d.id,
        at: t,
        decision: d.n,
        message: `${d.kind} ${d.id}: decision #${d.n} (t=${t} ms) called ${describeState(d.proposed)} a duplicate, but the store holds ${atV ? `a different state at v${v}: ${describeState(atV.state)}` : `nothing at v${v}`}`,
      });
    }
    return out;
  },

  /** Every conflict the hub decided is in the conflict log, as it was resolved, and the log holds no other. */
  "conflicts-recorded"(evidence) {
    const out: Violation[] = [];
    const decided = byItem(evidence.decisions.filter((d) => CONFLICT_RESOLUTIONS[d.outcome] !== undefined));
    const logged = byItem(allConflicts(evidence.stored));
    for (const id of new Set([...decided.keys(), ...logged.keys()])) {
      const fromDecisions = (decided.get(id) ?? []).map((d: Decision) =>
        conflictLine(CONFLICT_RESOLUTIONS[d.outcome] as string, d.proposed.versionInfo.itemVersion, d.storedVersion ?? null, d.messageId),
      );
      const fromLog = (logged.get(id) ?? [])
        .sort((a, b) => a.seq - b.seq)
        .map((c) => conflictLine(c.resolution, c.itemVersion, c.rebasedTo, c.messageId));
      if (fromDecisions.join("; ") === fromLog.join("; ")) continue;
      out.push({
        invariant: "conflicts-recorded",
        item: id,
        message: `${id}: the hub decided ${fromDecisions.length} conflict(s) [${fromDecisions.join("; ")}], the conflict log holds ${fromLog.length} [${fromLog.join("; ")}]`,
      });
    }
    return out;
  },

  /**
   * The store holds what the hub decided to write: each state a decision wrote at the version it
   * wrote it, as the kind of item it is, with the outcome that stored it and the message that
   * carried it (none for the hub's own); a query's history lists its states and its conflict
   * records each in store order; it answers for each item alone what the item's query's history
   * holds of it, in store order; and, by the store's own count, it holds no state or
   * conflict record beyond the run's queries' histories, and nothing for a query the run never made.
   */
  "stored-as-decided"(evidence) {
    const out: Violation[] = [];
    const states = byItem(allStates(evidence.stored));
    for (const d of evidence.decisions) {
      const v = d.storedVersion;
      if (v === undefined) continue;
      const record = (states.get(d.id) ?? []).filter((s) => s.itemVersion === v).sort((a, b) => a.seq - b.seq)[0];
      const t = sinceStart(evidence, d.at);
      if (record && record.kind === d.kind && record.outcome === d.outcome && (record.messageId ?? null) === (d.messageId ?? null)) {
        // The proposal as it was decided, at the version written (a rebased one's is another).
        const decided = { ...d.proposed, versionInfo: { ...d.proposed.versionInfo, itemVersion: v } };
        if (!sameItem(record.state, decided))
          out.push({
            invariant: "stored-as-decided",
            item: d.id,
            at: t,
            decision: d.n,
            message: `${d.kind} ${d.id}: decision #${d.n} (t=${t} ms) stored ${describeState(decided)} from ${carrier(d.messageId)}, the store holds ${describeState(record.state)} at v${v}${describeState(record.state) === describeState(decided) ? " (other fields differ)" : ""}`,
          });
        continue;
      }
      out.push({
        invariant: "stored-as-decided",
        item: d.id,
        at: t,
        decision: d.n,
        message: `${d.kind} ${d.id}: decision #${d.n} (t=${t} ms) stored v${v} as ${d.outcome} from ${carrier(d.messageId)}, the store holds ${record ? `${record.kind === d.kind ? "" : `a ${record.kind} state `}${record.outcome} from ${carrier(record.messageId)}` : "nothing"} at v${v}`,
      });
    }
    evidence.stored.forEach((h, i) => {
      const misplaced = [h.states, h.conflicts].find((list) => list.some((r, k) => k > 0 && r.seq <= (list[k - 1] as { seq: number }).seq));
      if (misplaced)
        out.push({
          invariant: "stored-as-decided",
          item: evidence.queryIds[i] as string,
          message: `query ${evidence.queryIds[i]}: its history lists its ${misplaced === h.states ? "states" : "conflict records"} out of store order (positions ${misplaced.map((r) => r.seq).join(", ")})`,
        });
    });
    const positions = (s: readonly StoredRecord[]) => s.map((r) => `v${r.itemVersion} at ${r.seq}`).join(", ");
    for (const item of evidence.items) {
      const inHistory = [...(states.get(item.id) ?? [])].sort((a, b) => a.seq - b.seq);
      if (positions(item.states) === positions(inHistory)) continue;
      out.push({
        invariant: "stored-as-decided",
        item: item.id,
        message: `${item.kind} ${item.id}: the store answers its states as [${positions(item.states)}], its query's history holds [${positions(inHistory)}]`,
      });
    }
    const stray = evidence.unknownQuery;
    if (stray.states.length > 0 || stray.conflicts.length > 0)
      out.push({
        invariant: "stored-as-decided",
        item: "store",
        message: `the store holds ${stray.states.length} states and ${stray.conflicts.length} conflict records for a query the run never made`,
      });
    const counts = evidence.storeCounts;
    const held = { states: allStates(evidence.stored).length, conflicts: allConflicts(evidence.stored).length };
    if (counts?.states !== held.states || counts?.conflicts !== held.conflicts)
      out.push({
        invariant: "stored-as-decided",
        item: "store",
        message: `the store counts ${counts ? `${counts.states} states and ${counts.conflicts} conflict records` : "nothing"}, the histories of the run's queries hold ${held.states} and ${held.conflicts}`,
      });
    return out;
  },

  /**
   * The store's positions follow the hub's decisions (docs/protocol.md, "store order"): the state
   * and the conflict record a decision wrote come after everything the decisions before it wrote;
   * a rebased state and its conflict record are one decision, in either order. Not judged when the
   * runner put the decisions in store order itself (replicas in processes of their own).
   */
  "stored-in-order"(evidence) {
    const out: Violation[] = [];
    if (evidence.decisionsPutInStoreOrder) return out;
    const key = (kind: string, id: string, v: number) => `${kind}\u0000${id}\u0000${v}`;
    const positionOf = new Map(allStates(evidence.stored).map((s) => [key(s.kind, s.id, s.itemVersion), s.seq]));
    // A decision's conflict record: the first not yet taken of its item, version, resolution and message.
    const recordKey = (id: string, v: number, resolution: string, messageId: string | null | undefined) =>
      `${id}\u0000${v}\u0000${resolution}\u0000${messageId ?? ""}`;
    const records = new Map<string, number[]>();
    for (const c of allConflicts(evidence.stored)) {
      const k = recordKey(c.id, c.itemVersion, c.resolution, c.messageId);
      records.set(k, [...(records.get(k) ?? []), c.seq]);
    }
    for (const list of records.values()) list.sort((a, b) => a - b);
    const recordsTaken = new Map<string, number>();
    let last: { n: number; position: number } | undefined;
    for (const d of evidence.decisions) {
      const positions: number[] = [];
      const state = d.storedVersion === undefined ? undefined : positionOf.get(key(d.kind, d.id, d.storedVersion));
      if (state !== undefined) positions.push(state);
      const resolution = CONFLICT_RESOLUTIONS[d.outcome];
      if (resolution !== undefined) {
        const k = recordKey(d.id, d.proposed.versionInfo.itemVersion, resolution, d.messageId);
        const taken = recordsTaken.get(k) ?? 0;
        recordsTaken.set(k, taken + 1);
        const record = records.get(k)?.[taken];
        if (record !== undefined) positions.push(record);
      }
      if (positions.length === 0) continue;
      const first = Math.min(...positions);
      if (last !== undefined && first <= last.position) {
        const t = sinceStart(evidence, d.at);
        out.push({
          invariant: "stored-in-order",
          item: d.id,
          at: t,
          decision: d.n,
          message: `${d.kind} ${d.id}: decision #${d.n} (t=${t} ms, ${d.outcome}) wrote at store position ${first}, before position ${last.position} of decision #${last.n}, which the hub decided first`,
        });
      }
      const end = Math.max(...positions);
      if (last === undefined || end > last.position) last = { n: d.n, position: end };
    }
    return out;
  },

  /** No (id, itemVersion) is stored twice. */
  "stored-once"(evidence) {
    const out: Violation[] = [];
    const seen = new Map<string, StoredRecord>();
    for (const s of allStates(evidence.stored)) {
      const key = `${s.id}@${s.itemVersion}`;
      const first = seen.get(key);
      if (!first) {
        seen.set(key, s);
        continue;
      }
      out.push({
        invariant: "stored-once",
        item: s.id,
        at: sinceStart(evidence, Date.parse(s.storedAt)),
        message: `${s.kind} ${s.id}: version ${s.itemVersion} stored twice (${describeState(first.state)} at store seq ${first.seq}, ${describeState(s.state)} at seq ${s.seq})`,
      });
    }
    return out;
  },

  /** Every conflict in the log was resolved by the ladder: rebased to max + 1 when it outranks the current state's stage, discarded otherwise. */
  "conflicts-by-ladder"(evidence) {
    const out: Violation[] = [];
    const states = byItem(allStates(evidence.stored));
    for (const c of allConflicts(evidence.stored)) {
      // What was stored before the collision: a store may log the rebased state before or after its conflict record.
      const before = (states.get(c.id) ?? []).filter(
        (s) => s.seq < c.seq && !(s.outcome === "conflict-rebased" && s.itemVersion === c.rebasedTo),
      );
      const current = currentOf(
        c.kind,
        before.map((s) => s.state),
      );
      if (!current) {
        out.push({
          invariant: "conflicts-by-ladder",
          item: c.id,
          message: `${c.kind} ${c.id}: a conflict at v${c.itemVersion} with nothing stored before it`,
        });
        continue;
      }
      const outranks = stageOf(c.kind, c.proposed.status) > stageOf(c.kind, current.status);
      const maxVersion = before.reduce((m, s) => Math.max(m, s.itemVersion), 0);
      const rebasedRight = c.resolution === "rebased" && outranks && c.rebasedTo === maxVersion + 1;
      const discardedRight = c.resolution === "discarded" && !outranks;
      if (rebasedRight || discardedRight) continue;
      out.push({
        invariant: "conflicts-by-ladder",
        item: c.id,
        message: `${c.kind} ${c.id}: ${describeState(c.proposed)} against current ${describeState(current)} was ${c.resolution}${c.rebasedTo ? ` to v${c.rebasedTo}` : ""}${outranks ? `; it outranks it, so it belongs at v${maxVersion + 1}` : "; it does not outrank it, so it is discarded"}`,
      });
    }
    return out;
  },

  /**
   * Every page of the store's feed a hub's view read (docs/protocol.md, "store order") holds states
   * and conflict records only after the position it was read from, each in ascending positions,
   * and reads through the last of them: a page that hands a view a state at or before its position
   * gives it again what it took already, one out of order makes it move past a record it has not
   * taken, and one whose `through` falls short has the view read its records once more.
   */
  "feed-after-position"(evidence) {
    return (evidence.feedReads ?? []).flatMap((read): Violation[] => {
      const fault = pageFault(read);
      if (fault === undefined) return [];
      const t = sinceStart(evidence, read.at);
      return [
        {
          invariant: "feed-after-position",
          item: `feed after ${read.position}`,
          at: t,
          message: `the page of the store's feed a hub's view read after store position ${read.position} (t=${t} ms) ${fault}`,
        },
      ];
    });
  },
} satisfies Record<
  | "duplicates-match-store"
  | "conflicts-recorded"
  | "stored-as-decided"
  | "stored-in-order"
  | "stored-once"
  | "conflicts-by-ladder"
  | "feed-after-position",
  Check
>;

/** What is wrong with a page of the feed, or nothing. */
function pageFault(read: FeedRead): string | undefined {
  for (const [what, positions] of [
    ["state", read.states],
    ["conflict record", read.conflicts],
  ] as const) {
    let last = read.position;
    for (const p of positions) {
      if (p <= read.position) return `holds a ${what} at position ${p}, not after it`;
      if (p <= last) return `holds a ${what} at position ${p} after one at ${last}`;
      if (p > read.through) return `reads through ${read.through}, short of its ${what} at position ${p}`;
      last = p;
    }
  }
  return read.through < read.position ? `reads through ${read.through}, behind the position it was read from` : undefined;
}
