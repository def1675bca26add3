import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "hub-backlog",
  description:
    "the hub is down while sites answer under duplication and reordering: on its return the backlog, copies and late states among them, reaches it in one burst per lane",
  seed: 23,
  exercises: ["duplicate", "applied-late"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [
    { kind: "hubCrash", at: 5_000, for: 8_000 },
    { kind: "duplicate", at: 0, for: 15_000, probability: 0.5, maxLagMs: 3_000 },
    { kind: "reorder", at: 0, for: 15_000, probability: 0.5, windowMs: 3_000 },
  ],
});
