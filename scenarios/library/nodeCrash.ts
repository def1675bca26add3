import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "node-crash",
  description: "one site crashes and restarts with its ledger, another crashes and restarts having lost it",
  seed: 6,
  exercises: ["applied", "timedOut"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  resultTimeoutMs: 90_000,
  faults: [
    { kind: "nodeCrash", at: 3_000, for: 8_000, nodeId: "hospital-b", loseState: false },
    { kind: "nodeCrash", at: 1_000, for: 5_000, nodeId: "hospital-c", loseState: true },
  ],
});
