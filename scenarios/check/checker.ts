import type { RunEvidence } from "./evidence.ts";
import { INVARIANTS, type InvariantName } from "./invariants.ts";
import type { Check } from "./invariants/check.ts";
import { DECISION_CHECKS } from "./invariants/decisions.ts";
import { DELIVERY_CHECKS } from "./invariants/delivery.ts";
import { DISPLAY_CHECKS } from "./invariants/display.ts";
import { LIFECYCLE_CHECKS } from "./invariants/lifecycle.ts";
import { LISTING_CHECKS } from "./invariants/listing.ts";
import { METRICS_CHECKS } from "./invariants/metrics.ts";
import { FEED_CHECKS } from "./invariants/feeds.ts";
import { QUERY_CHECKS } from "./invariants/queries.ts";
import { READ_CHECKS } from "./invariants/reads.ts";
import { REPLICA_CHECKS } from "./invariants/replicas.ts";
import { STORE_CHECKS } from "./invariants/store.ts";
import { TIMING_CHECKS } from "./invariants/timing.ts";
import { VIEW_CHECKS } from "./invariants/view.ts";
import { replay } from "./replay.ts";
import { unexercised } from "./rules.ts";
import type { Verdict, Violation } from "./verdict.ts";

export type { CheckName, Verdict, Violation } from "./verdict.ts";

const CHECKS: Record<InvariantName, Check> = {
  ...DECISION_CHECKS,
  ...TIMING_CHECKS,
  ...QUERY_CHECKS,
  ...DELIVERY_CHECKS,
  ...METRICS_CHECKS,
  ...STORE_CHECKS,
  ...READ_CHECKS,
  ...LISTING_CHECKS,
  ...FEED_CHECKS,
  ...DISPLAY_CHECKS,
  ...VIEW_CHECKS,
  ...REPLICA_CHECKS,
  ...LIFECYCLE_CHECKS,
};

/**
 * Judges a finished run from its evidence alone: the hub's decisions replayed through the
 * reference model, then every invariant the scenario names, then the rules it declares it
 * exercises. Reads plain data only; nothing of the hub's code.
 */
export function checkRun(evidence: RunEvidence): Verdict {
  const checked = INVARIANTS.filter((i) => evidence.scenario.invariants.includes(i));
  const replayed = replay(evidence.decisions, evidence.startedAt);
  const violations: Violation[] = checked.flatMap((invariant) => CHECKS[invariant](evidence, replayed));
  for (const rule of unexercised(evidence.scenario.exercises, evidence.rules)) {
    violations.push({
      invariant: "exercises",
      item: evidence.scenario.name,
      message: `scenario ${evidence.scenario.name} exists to exercise the rule ${rule}, but it never fired in this run`,
    });
  }
  const firstBroken = [...checked, "exercises" as const].find((i) => violations.some((v) => v.invariant === i));
  const counterexample = violations
    .filter((v) => v.invariant === firstBroken)
    .sort((a, b) => (a.at ?? Number.POSITIVE_INFINITY) - (b.at ?? Number.POSITIVE_INFINITY))[0];
  return { ok: violations.length === 0, checked, violations, counterexample };
}
