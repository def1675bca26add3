import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "poison",
  description: "thirty malformed, unknown or impostor messages reach the hub's queue amid the good ones",
  seed: 11,
  exercises: ["rejected"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [{ kind: "poison", at: 500, for: 20_000, count: 30 }],
});
