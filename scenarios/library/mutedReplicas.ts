import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "muted-replicas",
  description:
    "two hub replicas lose every store wake-up, and one restarts off the other's beat: its feed reads on at polls of its own, through states the other read past and states just stored",
  seed: 31,
  hubs: 2,
  nodes: [...THREE_SITES],
  queries: [...THREE_QUERIES, { at: 1_500 }, { at: 6_000 }],
  faults: [
    { kind: "storeFault", at: 0, for: 60_000, effect: "mute", probability: 1 },
    // Conflict records among the states a poll reads, which the feed takes from the database.
    { kind: "twin", at: 0, for: 60_000, nodeId: "hospital-b", ownSeed: true },
    // Down for a window that is no whole number of polls: from its restart on, it polls between the other's polls.
    { kind: "replicaCrash", at: 2_300, for: 1_450, replica: 1 },
  ],
  exercises: ["applied", "discarded"],
});
