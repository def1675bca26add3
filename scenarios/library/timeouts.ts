import { defineScenario } from "../schema.ts";
import { THREE_QUERIES } from "./common.ts";

export default defineScenario({
  name: "timeouts",
  description:
    "a site queues longer than the result timeout, another cannot publish for longer than it: both timed out, then their late final states replace timedOut",
  seed: 15,
  nodes: [
    { nodeId: "hospital-a", profile: "fast", failureChance: 0 },
    { nodeId: "hospital-b", profile: "steady", failureChance: 0 },
    { nodeId: "hospital-c", profile: "slow", failureChance: 0 },
  ],
  queries: THREE_QUERIES,
  resultTimeoutMs: 8_000,
  faults: [{ kind: "partition", at: 1_000, for: 25_000, nodeId: "hospital-a", direction: "publish" }],
  exercises: ["timedOut", "late-final", "applied-late"],
});
