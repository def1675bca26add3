import { defineScenario } from "../schema.ts";
import { THREE_QUERIES } from "./common.ts";

export default defineScenario({
  name: "everything-at-once",
  description: "five sites with failures, slow queues and timeouts under duplication, crashes, a twin, a hub restart and poison",
  seed: 12,
  exercises: ["applied-late", "duplicate", "discarded", "rejected"],
  nodes: [
    { nodeId: "hospital-a", profile: "fast" },
    { nodeId: "hospital-b", profile: "steady" },
    { nodeId: "hospital-c", profile: "slow" },
    { nodeId: "hospital-d", profile: "flaky" },
    { nodeId: "hospital-e", profile: "busy" },
  ],
  queries: THREE_QUERIES,
  resultTimeoutMs: 60_000,
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
  ],
});
