import type { Violation } from "../verdict.ts";
import type { Check } from "./check.ts";

/** Invariants over how the participants of a run end. */
export const LIFECYCLE_CHECKS = {
  /**
   * Once the run's participants stopped (hub replicas, sites, readers), nothing of them is left
   * scheduled on the run's clock: a part that keeps a timer past its stop keeps a process from
   * exiting, or goes on running a crashed replica's duties (off its lease only by chance).
   */
  "stops-clean"(evidence) {
    const left = evidence.leftScheduled ?? 0;
    if (left === 0) return [];
    const v: Violation = {
      invariant: "stops-clean",
      item: evidence.scenario.name,
      message: `${left} timer${left === 1 ? " was" : "s were"} still scheduled on the run's clock after every participant stopped`,
    };
    return [v];
  },

  /**
   * Once the faults healed, every hub replica running at the end answers GET /readyz ready: its
   * transport is connected and its store answers, so a load balancer would send it readers.
   */
  "ready-at-end"(evidence) {
    return (evidence.notReady ?? []).map((replica) => ({
      invariant: "ready-at-end",
      item: `hub-${replica}`,
      message: `hub replica ${replica} runs with its faults healed, but GET /readyz answers not ready`,
    }));
  },
} satisfies Record<"stops-clean" | "ready-at-end", Check>;
