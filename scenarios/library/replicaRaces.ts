import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

/**
 * Few items, so each replica's store keeps every one in process: a copy of a message another
 * replica has applied meets, on a SQL engine, a replica whose kept states lack that replica's
 * write, which the database then refuses or reports, and the burst is decided again from it.
 */
export default defineScenario({
  name: "replica-races",
  description:
    "three hub replicas under duplicated and reordered deliveries: copies of one message, and states of one result, go to different replicas",
  seed: 2,
  hubs: 3,
  exercises: ["duplicate", "applied-late"],
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES.slice(0, 2),
  faults: [
    { kind: "duplicate", at: 0, for: 30_000, probability: 0.5, maxLagMs: 2_000 },
    { kind: "reorder", at: 0, for: 30_000, probability: 0.5, windowMs: 2_000 },
  ],
});
