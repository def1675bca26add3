import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "ack-delay-nack-storm",
  description: "acks arrive past the ack wait and consumers bounce a third of deliveries back to their queues",
  seed: 4,
  exercises: ["duplicate"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [
    { kind: "ackDelay", at: 0, for: 30_000, target: "hub", probability: 0.4, delayMs: 2_500, ackWaitMs: 1_000 },
    { kind: "nackStorm", at: 5_000, for: 25_000, target: "hub", probability: 0.35 },
    { kind: "nackStorm", at: 0, for: 15_000, target: "nodes", probability: 0.35 },
  ],
});
