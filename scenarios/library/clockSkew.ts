import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "clock-skew",
  description: "site clocks run an hour behind and ten minutes ahead: the hub orders by version, not by time",
  seed: 10,
  exercises: ["applied"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [
    { kind: "clockSkew", at: 0, for: 60_000, nodeId: "hospital-a", offsetMs: -3_600_000 },
    { kind: "clockSkew", at: 3_000, for: 60_000, nodeId: "hospital-b", offsetMs: 600_000 },
  ],
});
