import type { QueryPicture, StoredRecord } from "../evidence.ts";
import { canonical } from "../model/canonical.ts";
import type { Violation } from "../verdict.ts";
import type { Check } from "./check.ts";

/** What the hub writes as a singleton duty, by kind of item: a result's timedOut, a query's done. */
const DUTY_WRITES: Readonly<Record<string, string>> = { result: "timedOut", query: "done" };

/**
 * A picture as a reader compares two of them: the read and the states behind it, whole, in
 * canonical form (a state read back from PostgreSQL's JSON keeps no key order), results by id.
 */
const shownAs = (p: QueryPicture) =>
  canonical({ read: p.read, query: p.query, results: [...p.results].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) });

/** Invariants over hub replicas and the duties one replica runs at a time. */
export const REPLICA_CHECKS = {
  /**
   * A singleton duty fires once per item: the history holds each result's timedOut and each
   * query's done at most once, whichever replica held the duties and however often they moved.
   */
  "duties-once"(evidence) {
    const out: Violation[] = [];
    const written = new Map<string, StoredRecord[]>();
    for (const s of evidence.stored.flatMap((h) => h.states)) {
      if (s.state.status === undefined || DUTY_WRITES[s.kind] !== s.state.status) continue;
      const of = written.get(s.id);
      if (of) of.push(s);
      else written.set(s.id, [s]);
    }
    for (const [id, states] of written) {
      if (states.length < 2) continue;
      const status = states[0]?.state.status;
      out.push({
        invariant: "duties-once",
        item: id,
        message: `${id}: ${status} stored ${states.length} times (at v${states.map((s) => s.itemVersion).join(", v")}); a singleton duty writes it once`,
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
