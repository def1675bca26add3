import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "resend-new-ids",
  description:
    "sites resend thirty states they sent before under new messageIds, as after losing the record of them: duplicates only the stored state tells apart",
  seed: 18,
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [{ kind: "staleReplay", at: 10_000, for: 40_000, count: 30, newMessageIds: true }],
  exercises: ["duplicate"],
});
