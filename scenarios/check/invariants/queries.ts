import { isFinal } from "../model/ladder.ts";
import type { Violation } from "../verdict.ts";
import { type Check, sinceStart } from "./check.ts";

/** Invariants over the hub's writes of a query. */
export const QUERY_CHECKS = {
  /**
   * The hub proposes `done` for a query only once every result of it is final (PROTOCOL.md
   * section 2: done when every result is final), as the store's current states stand at that
   * decision: a final state is replaced only by a higher final, so a hub's view can lag but never
   * show a result final that the store does not hold final.
   */
  "done-when-final"(evidence) {
    const out: Violation[] = [];
    const results = new Map<string, Map<string, string | undefined>>();
    for (const d of evidence.decisions) {
      if (d.kind === "result") {
        const q = d.proposed.queryId;
        if (q === undefined || d.current === undefined) continue;
        const of = results.get(q) ?? new Map<string, string | undefined>();
        of.set(d.id, d.current.status);
        results.set(q, of);
        continue;
      }
      if (d.origin !== "hub" || d.proposed.status !== "done") continue;
      const open = [...(results.get(d.id) ?? new Map()).entries()].filter(([, status]) => !isFinal("result", status));
      if (results.has(d.id) && open.length === 0) continue;
      const t = sinceStart(evidence, d.at);
      out.push({
        invariant: "done-when-final",
        item: d.id,
        at: t,
        decision: d.n,
        message: `query ${d.id}: the hub proposed done at decision #${d.n} (t=${t} ms) while ${open.length > 0 ? open.map(([id, s]) => `${id} was ${s}`).join(", ") : "it had no result"}`,
      });
    }
    return out;
  },
} satisfies Record<"done-when-final", Check>;
