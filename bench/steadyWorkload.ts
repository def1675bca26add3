import { makeWorkload, type Workload } from "./workload.ts";

/**
 * The messages of a steady run, made alike by the hub's side and the load's side from the same
 * figures: every message moves one result one step, no duplicates, no reordering.
 */
export function steadyWorkload(size: { broker: string; rate: number; seconds: number; nodes: number }): Workload {
  const results = Math.ceil((size.rate * size.seconds) / 4);
  const queries = Math.max(1, Math.ceil(results / size.nodes));
  return makeWorkload({ queries, nodes: size.nodes, duplicateShare: 0, reorderWindow: 1, seed: `steady-${size.broker}` });
}
