import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "stale-replay",
  description: "forty old-version result-updates are published again long after newer states were applied",
  seed: 5,
  exercises: ["duplicate"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [{ kind: "staleReplay", at: 15_000, for: 60_000, count: 40 }],
});
