import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "forgeries",
  description:
    "sites publish twenty messages not theirs to send: another site's result (by their route, or by its route under their user), a hub-only status, a heartbeat as a result, a stranger's result",
  seed: 21,
  exercises: ["rejected"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [{ kind: "poison", at: 2_000, for: 20_000, count: 20, forge: true }],
});
