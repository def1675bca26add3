import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "hub-crash-fan-out",
  description:
    "the hub crashes once a query is stored with its results, before any run-query of it is sent: the restarted hub must send what was stored but not sent",
  seed: 29,
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [
    { kind: "hubCrash", at: 1_500, for: 1_000, point: "afterFanOut" },
    { kind: "hubCrash", at: 3_500, for: 1_000, point: "afterFanOut" },
  ],
  exercises: ["applied"],
});
