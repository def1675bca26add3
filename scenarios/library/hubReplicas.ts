import { defineScenario } from "../schema.ts";
import { THREE_QUERIES } from "./common.ts";

export default defineScenario({
  name: "hub-replicas",
  description:
    "three hub replicas over one store: the one holding the duties crashes, then another, while queries go to each and results time out",
  seed: 21,
  hubs: 3,
  nodes: [
    { nodeId: "hospital-a", profile: "fast", failureChance: 0 },
    { nodeId: "hospital-b", profile: "steady", failureChance: 0 },
    { nodeId: "hospital-c", profile: "slow", failureChance: 0 },
  ],
  queries: [...THREE_QUERIES, { at: 1_500 }, { at: 12_000 }],
  resultTimeoutMs: 10_000,
  faults: [
    // The first replica holds the duties from the start: they move to another while results go overdue.
    { kind: "replicaCrash", at: 3_000, for: 10_000, replica: 0 },
    { kind: "partition", at: 1_000, for: 20_000, nodeId: "hospital-a", direction: "publish" },
    { kind: "replicaCrash", at: 16_000, for: 5_000, replica: 2 },
  ],
  exercises: ["applied", "timedOut", "late-final"],
});
