import { decideVersioned, type Planner, plan, planWith } from "./plan.ts";

/**
 * Last write by arrival wins: the plan with its version checks taken out. A node's proposal that
 * step 1 admits (who may write stays) is stored as it is and becomes current, whatever is stored
 * at its version; the hub's own writes keep steps 2 to 4. Kept only to show what the checker
 * catches: a scenario's `--policy naive`, and a demonstration hub's QNET_POLICY=naive.
 */
export const naivePlan: Planner = planWith((proposal, stored) =>
  proposal.origin === "node" ? { outcome: "applied", write: proposal.state } : decideVersioned(proposal, stored),
);

/** How a hub applies proposals: by PROTOCOL.md section 3, or naively (a demonstration, never a deployment). */
export const HUB_POLICIES = ["versioned", "naive"] as const;
export type HubPolicy = (typeof HUB_POLICIES)[number];

export function hubPlanner(policy: HubPolicy): Planner {
  return policy === "naive" ? naivePlan : plan;
}

/** What the hub's banner, logs and page say while it runs the naive policy. */
// Stryker disable StringLiteral: the warning's wording is for the operator; no rule reads it
export const NAIVE_WARNING =
  "QNET_POLICY=naive: this hub applies every node proposal as it arrives, with no itemVersion check. " +
  "A demonstration of what the checker catches: views regress and duplicates are stored. Never run it for real.";
// Stryker restore StringLiteral
