import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "rolling-restarts",
  description:
    "the hub is stopped as an operator's rolling restart stops it, four times while sites answer and store steps stall, and started again over its store",
  seed: 12,
  exercises: ["applied"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [
    // Store steps that stall: a stop comes while a burst is still being applied.
    { kind: "storeFault", at: 1_000, for: 10_000, effect: "stall", probability: 0.5, stallMs: 400 },
    { kind: "replicaCrash", at: 1_500, for: 500, replica: 0, graceful: true },
    { kind: "replicaCrash", at: 3_000, for: 1_000, replica: 0, graceful: true },
    { kind: "replicaCrash", at: 6_000, for: 500, replica: 0, graceful: true },
    { kind: "replicaCrash", at: 10_000, for: 500, replica: 0, graceful: true },
  ],
});
