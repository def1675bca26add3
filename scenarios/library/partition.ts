import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "partition",
  description: "one site cannot publish for 20 s, another receives nothing for 15 s, then both heal",
  seed: 9,
  exercises: ["applied"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [
    { kind: "partition", at: 1_000, for: 20_000, nodeId: "hospital-a", direction: "publish" },
    { kind: "partition", at: 0, for: 15_000, nodeId: "hospital-b", direction: "consume" },
  ],
});
