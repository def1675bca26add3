import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "forged-heartbeats",
  description: "sites publish on their own heartbeat route five heartbeats in a stranger's name, which no hub replica may hear",
  seed: 31,
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [{ kind: "poison", at: 2_000, for: 10_000, count: 5, forge: true, heartbeats: true }],
});
