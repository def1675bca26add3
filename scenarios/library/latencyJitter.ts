import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "latency-jitter",
  description: "every message is held 200 ms plus up to 3 s of jitter in transit",
  seed: 2,
  exercises: ["applied-late"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [{ kind: "latency", at: 0, for: 45_000, baseMs: 200, jitterMs: 3_000 }],
});
