import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "hub-crash-commit",
  description:
    "the hub crashes in the middle of store steps, before one commits and after one commits but before its acks: the broker redelivers to the next hub",
  seed: 19,
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [
    { kind: "hubCrash", at: 500, for: 2_000, point: "beforeCommit" },
    { kind: "hubCrash", at: 3_000, for: 2_000, point: "afterCommit" },
    { kind: "hubCrash", at: 6_000, for: 2_000, point: "beforeCommit" },
    { kind: "hubCrash", at: 9_000, for: 2_000, point: "afterCommit" },
    { kind: "hubCrash", at: 14_000, for: 4_000, point: "afterCommit" },
  ],
  exercises: ["duplicate"],
});
