import { type Planner, decideVersioned, plan, planWith } from "../../shared/apply/plan.ts";
import { BROKEN_PLANS, BROKEN_RULES } from "./brokenPlans.ts";

/** How the hub's store applies proposals in a run: by the protocol, naively, or with one rule of it taken out. */
export const APPLY_POLICIES = ["versioned", "naive", ...BROKEN_RULES] as const;
export type ApplyPolicy = (typeof APPLY_POLICIES)[number];

/**
 * Last write by arrival wins: the plan with its version checks taken out. A node's proposal that
 * step 1 admits (who may write stays) is stored as it is and becomes current, whatever is stored
 * at its version; the hub's own writes keep steps 2 to 4. Kept only so a scenario can show what
 * the checker catches.
 */
export const naivePlan: Planner = planWith((proposal, stored) =>
  proposal.origin === "node" ? { outcome: "applied", write: proposal.state } : decideVersioned(proposal, stored),
);

/** The planner the hub's store runs under a policy: PROTOCOL.md section 3 unless another is named. */
export function plannerOf(policy: ApplyPolicy): Planner {
  if (policy === "versioned") return plan;
  return policy === "naive" ? naivePlan : BROKEN_PLANS[policy];
}
