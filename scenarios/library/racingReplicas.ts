import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "racing-replicas",
  description:
    "two hub replicas while the broker blocks the hub's publishes: a query one replica is sending, the other sends again, both confirmed in one instant, both write dispatched at one version",
  seed: 29,
  hubs: 2,
  nodes: [...THREE_SITES],
  // The second query goes to the second replica, whose send waits out the alarm; the first replica
  // holds the duties and sends it again once it has stood `created` for three heartbeats.
  queries: THREE_QUERIES,
  faults: [{ kind: "brokerAlarm", at: 1_000, for: 24_000, target: "hub" }],
  exercises: ["applied"],
});
