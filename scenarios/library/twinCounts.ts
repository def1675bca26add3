import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "twin-counts",
  description:
    "second installs of two sites, each with patients of its own, race the first: other counts at the same versions, conflicts rebased or discarded by the ladder",
  seed: 13,
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [
    { kind: "twin", at: 0, for: 90_000, nodeId: "hospital-b", ownSeed: true },
    { kind: "twin", at: 0, for: 90_000, nodeId: "hospital-c", ownSeed: true },
  ],
  exercises: ["rebased", "discarded"],
});
