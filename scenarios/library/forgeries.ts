import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "forgeries",
  description:
    "sites publish twenty well-formed messages that are not theirs to send: another site's result, a status only the hub sets, a heartbeat on the result route",
  seed: 21,
  exercises: ["rejected"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [{ kind: "poison", at: 2_000, for: 20_000, count: 20, forge: true }],
});
