import type { Decision, Settlement } from "./evidence.ts";
import { isFinal } from "./model/ladder.ts";

/**
 * The rules of PROTOCOL.md sections 2 and 3 a run can make the hub apply: the outcomes of a
 * node's proposal, the hub giving up on a site (timedOut), a final state from the site replacing
 * that (late-final), and refusal (rejected). A scenario names the ones it exists to exercise.
 */
export const RULES = ["applied", "applied-late", "duplicate", "rebased", "discarded", "timedOut", "late-final", "rejected"] as const;
export type Rule = (typeof RULES)[number];
export type RuleCounts = Record<Rule, number>;

/** The rule a node proposal's outcome is, by the store's outcome name. */
const OUTCOME_RULES: Readonly<Record<string, Rule>> = {
  applied: "applied",
  "applied-late": "applied-late",
  duplicate: "duplicate",
  "conflict-rebased": "rebased",
  "conflict-discarded": "discarded",
};

/**
 * How often each rule fired in a run. A node's proposal counts once by its outcome (the hub's
 * own writes of queries and fan-out are not counted); a timedOut the hub stored counts as
 * timedOut; a node's final state that became current over a timedOut counts as late-final too.
 * Every message the hub dead-lettered counts as rejected, whether refused at the edge or by the store.
 */
export function ruleCounts(decisions: readonly Decision[], settlements: readonly Settlement[]): RuleCounts {
  const counts = Object.fromEntries(RULES.map((r) => [r, 0])) as RuleCounts;
  const current = new Map<string, string | undefined>();
  for (const d of decisions) {
    const key = `${d.kind} ${d.id}`;
    const before = current.get(key);
    if (d.current) current.set(key, d.current.status);
    if (d.origin === "hub") {
      if (d.kind === "result" && d.proposed.status === "timedOut" && d.storedVersion !== undefined) counts.timedOut++;
      continue;
    }
    const rule = OUTCOME_RULES[d.outcome];
    if (rule) counts[rule]++;
    const nowCurrent = d.current?.status;
    if (before === "timedOut" && nowCurrent !== "timedOut" && isFinal(d.kind, nowCurrent) && d.storedVersion !== undefined) {
      counts["late-final"]++;
    }
  }
  counts.rejected = settlements.filter((s) => s.how === "deadLetter").length;
  return counts;
}

/** The rules a scenario declares it exercises that did not fire: each one fails the run. */
export function unexercised(declared: readonly Rule[], counts: RuleCounts): Rule[] {
  return declared.filter((r) => counts[r] === 0);
}
