import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "forgeries-shared-user",
  description:
    "a foreign node on a development broker, as the user all sites share, sends twenty forgeries: another site's result on a site's route, a hub-only status, a heartbeat as a result, a stranger's result",
  seed: 23,
  exercises: ["rejected"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [{ kind: "poison", at: 2_000, for: 20_000, count: 20, forge: true, sharedUser: true }],
});
