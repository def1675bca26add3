import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "twin-writers",
  description: "two agents run as the same site and race to write the same results: conflicts resolved by the ladder",
  seed: 7,
  exercises: ["discarded"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [{ kind: "twin", at: 0, for: 90_000, nodeId: "hospital-b" }],
});
