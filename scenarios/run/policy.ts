import { type Planner, plan } from "../../shared/apply/plan.ts";
import { naivePlan } from "../../shared/apply/policy.ts";
import { BROKEN_PLANS, BROKEN_RULES } from "./brokenPlans.ts";

/** How the hub's store applies proposals in a run: by the protocol, naively, or with one rule of it taken out. */
export const APPLY_POLICIES = ["versioned", "naive", ...BROKEN_RULES] as const;
export type ApplyPolicy = (typeof APPLY_POLICIES)[number];

/** Last write by arrival wins (shared/apply/policy.ts), the same plan a demonstration hub runs with QNET_POLICY=naive. */
export { naivePlan };

/** The planner the hub's store runs under a policy: PROTOCOL.md section 3 unless another is named. */
export function plannerOf(policy: ApplyPolicy): Planner {
  if (policy === "versioned") return plan;
  return policy === "naive" ? naivePlan : BROKEN_PLANS[policy];
}
