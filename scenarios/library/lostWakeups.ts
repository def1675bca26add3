import { defineScenario } from "../schema.ts";
import { THREE_QUERIES, THREE_SITES } from "./common.ts";

export default defineScenario({
  name: "lost-wakeups",
  description:
    "every store wake-up to the view's feed is lost: the feed reads on only at its poll, after the hub's view took each state, and the event stream must still carry every state the view shows",
  seed: 24,
  nodes: [...THREE_SITES],
  queries: THREE_QUERIES,
  faults: [{ kind: "storeFault", at: 0, for: 60_000, effect: "mute", probability: 1 }],
  exercises: ["applied"],
});
