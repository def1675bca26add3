import type { Decision, QueryPicture, StoredRecord } from "../evidence.ts";
import { canonical } from "../model/canonical.ts";
import type { Violation } from "../verdict.ts";
import type { Check } from "./check.ts";

/** What the hub writes as a singleton duty, by kind of item: a result's timedOut, a query's done. */
const DUTY_WRITES: Readonly<Record<string, string>> = { result: "timedOut", query: "done" };
const isDutyWrite = (kind: string, status: string | undefined) => status !== undefined && DUTY_WRITES[kind] === status;

function pushTo<T>(into: Map<string, T[]>, key: string, value: T): void {
  const of = into.get(key);
  if (of) of.push(value);
  else into.set(key, [value]);
}

/**
 * A picture as a reader compares two of them: the read and the states behind it, whole, in
 * canonical form (a state read back from PostgreSQL's JSON keeps no key order), results by id.
 */
const shownAs = (p: QueryPicture) =>
  canonical({ read: p.read, query: p.query, results: [...p.results].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) });

/** Invariants over hub replicas and the duties one replica runs at a time. */
export const REPLICA_CHECKS = {
  /**
   * A singleton duty fires once per item: the hub decides each result's timedOut and each query's
   * done at most once (a second proposal is a duty run twice, whatever the store made of it: a
   * duplicate or a discarded conflict leaves no trace in the store), and the history holds it at
   * most once, whichever replica held the duties and however often they moved. With replicas in
   * processes of their own a query's done is judged by what is stored only: every replica settles
   * the queries of the finals it stored, and two that each stored one of a query's last finals at
   * once may both propose done (the store keeps one and discards the other as a conflict); in one
   * process they take turns, and the second sees the first's.
   */
  "duties-once"(evidence) {
    const out: Violation[] = [];
    const decided = new Map<string, Decision[]>();
    const judged = (d: Decision) => !(evidence.decisionsPutInStoreOrder && d.kind === "query");
    for (const d of evidence.decisions)
      if (d.origin === "hub" && isDutyWrite(d.kind, d.proposed.status) && judged(d)) pushTo(decided, d.id, d);
    const written = new Map<string, StoredRecord[]>();
    for (const s of evidence.stored.flatMap((h) => h.states)) if (isDutyWrite(s.kind, s.state.status)) pushTo(written, s.id, s);
    for (const [id, ds] of decided) {
      if (ds.length < 2) continue;
      out.push({
        invariant: "duties-once",
        item: id,
        decision: ds[1]?.n,
        message: `${id}: the hub proposed ${ds[0]?.proposed.status} ${ds.length} times (${ds.map((d) => `#${d.n} ${d.outcome}`).join(", ")}); a singleton duty fires once`,
      });
    }
    for (const [id, states] of written) {
      if (states.length < 2 || (decided.get(id)?.length ?? 0) > 1) continue;
      out.push({
        invariant: "duties-once",
        item: id,
        message: `${id}: ${states[0]?.state.status} stored ${states.length} times (at v${states.map((s) => s.itemVersion).join(", v")}); a singleton duty writes it once`,
      });
    }
    return out;
  },

  /** Every hub replica running at the end shows every query as the first one does: the same read, the same states. */
  "replicas-agree"(evidence) {
    const out: Violation[] = [];
    const [first, ...others] = evidence.replicas;
    if (!first) return out;
    const firstById = new Map(first.pictures.map((p) => [p.id, shownAs(p)]));
    for (const { replica, pictures } of others) {
      const byId = new Map(pictures.map((p) => [p.id, shownAs(p)]));
      for (const id of evidence.queryIds) {
        if (firstById.get(id) === byId.get(id)) continue;
        out.push({
          invariant: "replicas-agree",
          item: id,
          message: `query ${id}: hub replica ${replica} shows ${byId.has(id) ? "it otherwise than" : "nothing of it, unlike"} replica ${first.replica}`,
        });
      }
    }
    return out;
  },
} satisfies Record<"duties-once" | "replicas-agree", Check>;
