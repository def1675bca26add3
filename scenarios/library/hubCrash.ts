import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "hub-crash",
  description: "the hub stops consuming, crashes and restarts over its store while sites keep answering",
  seed: 8,
  exercises: ["applied"],
  // Snapshots every few positions: the restarted hub starts from the newest one, not from the whole record.
  snapshotEvery: 10,
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [
    { kind: "hubCrash", at: 3_000, for: 6_000 },
    { kind: "hubCrash", at: 20_000, for: 2_000 },
  ],
});
