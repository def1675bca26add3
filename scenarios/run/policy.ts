import type { Planner } from "../../shared/apply/plan.ts";
import { hubPlanner, naivePlan } from "../../shared/apply/policy.ts";
import { BROKEN_PLANS, BROKEN_RULES } from "./brokenPlans.ts";

/** How the hub's store applies proposals in a run: by the protocol, naively, or with one rule of it taken out. */
export const APPLY_POLICIES = ["versioned", "naive", ...BROKEN_RULES] as const;
export type ApplyPolicy = (typeof APPLY_POLICIES)[number];

/** Last write by arrival wins (shared/apply/policy.ts), the same plan a demonstration hub runs with QNET_POLICY=naive. */
export { naivePlan };

/** The planner the hub's store runs under a policy: a hub's own choice (QNET_POLICY) for the two a hub knows, else a plan with one rule taken out. */
export function plannerOf(policy: ApplyPolicy): Planner {
  return policy === "versioned" || policy === "naive" ? hubPlanner(policy) : BROKEN_PLANS[policy];
}
