import { defineScenario } from "../schema.ts";
import { THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "full-queue",
  description:
    "six queries at once while one site's queue is full and refuses the hub's run-queries for 4 s: the other sites answer queries still created, which the hub's store has read back",
  seed: 32,
  nodes: [...THREE_SITES],
  queries: [{ at: 0 }, { at: 0 }, { at: 0 }, { at: 0 }, { at: 0 }, { at: 0 }],
  faults: [{ kind: "queueFull", at: 0, for: 4_000, nodeId: "hospital-c" }],
  exercises: ["applied"],
});
