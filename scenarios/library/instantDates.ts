import { defineScenario } from "../schema.ts";
import { THREE_QUERIES } from "./common.ts";

/**
 * Sites that print their dates as Java's Instant does (`nodes[].dates: "instant"`): a createDate
 * the hub sent as `...:00.000Z` comes back as `...:00Z`, the same instant in other characters, on
 * every state the site proposes, while the result's first states, the hub's, keep the hub's text.
 * The store keeps each state's text as it came (a store that shares one createDate per result
 * would give the site's states the hub's), and the broker's copies of the site's states must
 * still be duplicates of what it keeps.
 */
export default defineScenario({
  name: "instant-dates",
  description:
    "two sites print their dates as Java's Instant, the createDate without its zero fraction, while the broker duplicates updates: the store keeps each state as sent",
  seed: 7,
  nodes: [
    { nodeId: "hospital-a", profile: "fast", failureChance: 0, dates: "instant" },
    { nodeId: "hospital-b", profile: "steady", failureChance: 0 },
    { nodeId: "hospital-c", profile: "busy", failureChance: 0.3, dates: "instant" },
  ],
  queries: THREE_QUERIES,
  faults: [{ kind: "duplicate", at: 0, for: 60_000, probability: 0.3, maxLagMs: 3_000 }],
  exercises: ["applied", "duplicate"],
});
