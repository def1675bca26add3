import { defineScenario } from "../schema.ts";
import timeouts from "./timeouts.ts";

/**
 * The timeouts scenario's sites, with the broker redelivering earlier updates all the while: each
 * copy or late state of a result hands the hub's view that result's current state again, which
 * must not count as a move, or a state that stands past the timeout is timed out late or never.
 * The slow site prints its dates to the microsecond, so the view keeps its states as they came
 * rather than packed, and must tell their versions apart all the same.
 */
export default defineScenario({
  ...timeouts,
  name: "stalled-replays",
  description:
    "a site queues longer than the result timeout while the broker redelivers earlier updates: the hub still times each stalled result out when due",
  nodes: timeouts.nodes.map((n) => (n.nodeId === "hospital-c" ? { ...n, dates: "micros" as const } : n)),
  faults: [...timeouts.faults, { kind: "staleReplay", at: 2_000, for: 30_000, count: 100 }],
});
