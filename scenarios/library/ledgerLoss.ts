import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "ledger-loss",
  description:
    "two sites lose their ledgers and answer every query again: other states at versions they used, below and above what the hub holds",
  seed: 14,
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [
    { kind: "ledgerLoss", at: 4_000, for: 1_000, nodeId: "hospital-b" },
    { kind: "ledgerLoss", at: 12_000, for: 3_000, nodeId: "hospital-c" },
  ],
  exercises: ["rebased", "discarded"],
});
