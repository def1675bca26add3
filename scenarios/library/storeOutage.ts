import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "store-outage",
  description:
    "every store step fails for 30 s: bursts go back to the broker until their deliveries run out; an operator then replays the dead letters under new messageIds",
  seed: 16,
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [
    { kind: "storeFault", at: 1_500, for: 30_000, effect: "fail", probability: 1 },
    { kind: "poison", at: 2_000, for: 20_000, count: 5 },
    { kind: "deadLetterReplay", at: 40_000, for: 0 },
  ],
  exercises: ["applied", "applied-late", "rejected"],
});
