import { defineScenario } from "../schema.ts";
import { THREE_QUERIES } from "./common.ts";

export default defineScenario({
  name: "everything-at-once",
  description:
    "five sites with failures and slow queues past the result timeout, under duplication, crashes, a twin, a lost ledger, hub crashes, store stalls, resends and poison",
  seed: 12,
  exercises: ["applied-late", "duplicate", "discarded", "rejected", "timedOut", "late-final"],
  nodes: [
    { nodeId: "hospital-a", profile: "fast" },
    { nodeId: "hospital-b", profile: "steady" },
    { nodeId: "hospital-c", profile: "slow" },
    { nodeId: "hospital-d", profile: "flaky" },
    { nodeId: "hospital-e", profile: "busy" },
  ],
  queries: THREE_QUERIES,
  resultTimeoutMs: 20_000,
  faults: [
    { kind: "duplicate", at: 0, for: 50_000, probability: 0.3, maxLagMs: 3_000 },
    { kind: "reorder", at: 0, for: 50_000, probability: 0.4, windowMs: 4_000 },
    { kind: "nodeCrash", at: 2_000, for: 10_000, nodeId: "hospital-c", loseState: false },
    { kind: "twin", at: 0, for: 30_000, nodeId: "hospital-d" },
    { kind: "hubCrash", at: 8_000, for: 3_000 },
    { kind: "dropBeforeAck", at: 0, for: 30_000, target: "hub", probability: 0.2, ackWaitMs: 1_000 },
    { kind: "staleReplay", at: 20_000, for: 30_000, count: 15 },
    { kind: "poison", at: 1_000, for: 20_000, count: 10 },
    { kind: "clockSkew", at: 0, for: 40_000, nodeId: "hospital-e", offsetMs: -120_000 },
    { kind: "storeFault", at: 5_000, for: 20_000, effect: "stall", probability: 0.2, stallMs: 1_500 },
    { kind: "hubCrash", at: 25_000, for: 5_000, point: "afterCommit" },
    { kind: "ledgerLoss", at: 15_000, for: 2_000, nodeId: "hospital-b" },
    { kind: "staleReplay", at: 30_000, for: 20_000, count: 10, newMessageIds: true },
  ],
});
