import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "drop-before-ack",
  description: "the hub loses half its acks after storing, so the broker redelivers what it already applied",
  seed: 3,
  exercises: ["duplicate"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [
    { kind: "dropBeforeAck", at: 0, for: 40_000, target: "hub", probability: 0.5, ackWaitMs: 1_500 },
    { kind: "dropBeforeAck", at: 0, for: 10_000, target: "nodes", probability: 0.5, ackWaitMs: 1_500 },
  ],
});
