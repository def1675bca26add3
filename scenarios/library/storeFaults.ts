import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "store-faults",
  description:
    "a third of the store steps fail, nothing of their bursts stored, and a third stall for 3 s: the bursts given back are applied when redelivered",
  seed: 17,
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [
    { kind: "storeFault", at: 0, for: 30_000, effect: "fail", probability: 0.3 },
    { kind: "storeFault", at: 5_000, for: 30_000, effect: "stall", probability: 0.3, stallMs: 3_000 },
  ],
  exercises: ["applied", "applied-late"],
});
