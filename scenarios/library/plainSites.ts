import { defineScenario } from "../schema.ts";

const ALL_BREAKDOWNS = ["sex" as const, "age" as const, "race" as const, "vitalStatus" as const];

/**
 * Sites that send only part of what qnet's nodes send, as the protocol lets a node: one of the
 * original contract (no progress, status message, obfuscation parameters or breakdowns, its dates
 * printed to the microsecond as a JVM prints them) and one that names no obfuscation parameters. Rows without progress or message, completed counts without
 * breakdowns beside sites with them (the sums read "at least"), a query whose only completed sites
 * gave none, and a site error without a message: the view must show each as the protocol words it.
 */
export default defineScenario({
  name: "plain-sites",
  description:
    "a site of the original contract (no progress, message, obfuscation parameters or breakdowns) and one naming no parameters, beside a full one: the view shows what each sends",
  seed: 1,
  nodes: [
    { nodeId: "hospital-a", profile: "steady", failureChance: 0.5 },
    { nodeId: "hospital-b", profile: "fast", failureChance: 0.5, leaveOut: ["obfuscation"] },
    {
      nodeId: "clinic-old",
      profile: "steady",
      failureChance: 0.5,
      leaveOut: ["progress", "statusMessage", "obfuscation", "breakdowns"],
      dates: "micros",
    },
  ],
  queries: [0, 1_000, 2_000, 3_000, 4_000, 5_000].map((at, i) => ({
    at,
    definition: { panels: [{ concepts: [i % 2 === 0 ? "dx:E11.9" : "dx:I10"] }], breakdowns: ALL_BREAKDOWNS.slice(0, 1 + (i % 4)) },
  })),
  exercises: ["applied"],
});
