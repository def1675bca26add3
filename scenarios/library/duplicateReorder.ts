import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "duplicate-reorder",
  description: "every queue duplicates and reorders messages while three sites answer three queries",
  seed: 1,
  exercises: ["duplicate", "applied-late"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [
    { kind: "duplicate", at: 0, for: 60_000, probability: 0.4, maxLagMs: 4_000 },
    { kind: "reorder", at: 0, for: 60_000, probability: 0.6, windowMs: 5_000 },
  ],
});
