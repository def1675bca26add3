import type { Violation } from "../verdict.ts";
import { type Check, sinceStart } from "./check.ts";

/** Invariants over how the participants of a run start and end. */
export const LIFECYCLE_CHECKS = {
  /**
   * A hub that starts while the store holds a view snapshot begins its view at the newest one's
   * position, not at the start of the record (a snapshot taken in the very instant it started may
   * be newer); judged on the virtual clock only, where a start takes no time. A hub that cannot
   * read the snapshot it wrote ends in the same view, but only after replaying the whole record.
   * And every snapshot a hub asked its store to save was saved: no fault of a run strikes a
   * snapshot, and a store that cannot save one leaves every restart to replay the whole record.
   */
  "starts-from-snapshot"(evidence) {
    if (!evidence.snapshots) return [];
    const { saved, failed, starts } = evidence.snapshots;
    const notSaved = failed.map(
      (f): Violation => ({
        invariant: "starts-from-snapshot",
        item: `snapshot ${f.position}`,
        message: `the hub's store failed to save the view snapshot of store position ${f.position}, ${sinceStart(evidence, f.at)} ms into the run: ${f.error}`,
      }),
    );
    if (evidence.clock !== "virtual") return notSaved;
    return notSaved.concat(
      starts.flatMap((start): Violation[] => {
        const newest = Math.max(0, ...saved.filter((s) => s.at < start.at).map((s) => s.position));
        const sameInstant = saved.filter((s) => s.at === start.at && s.position > newest).map((s) => s.position);
        if (start.from === newest || sameInstant.includes(start.from)) return [];
        return [
          {
            invariant: "starts-from-snapshot",
            item: `hub-${start.replica}`,
            message: `hub replica ${start.replica} started ${sinceStart(evidence, start.at)} ms into the run with its view at store position ${start.from}, but the newest view snapshot the store held was of position ${newest}`,
          },
        ];
      }),
    );
  },

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

  /**
   * The run ended because every query was settled in the view of every replica running, before
   * the scenario's limit passed. The final read brings every view to the store's end, so a view
   * that stopped following the store (a replica whose feed is never woken, a poll that never comes)
   * would pass every other invariant; here it keeps the run from ending.
   */
  "ends-in-time"(evidence) {
    return (evidence.unsettledAtLimit ?? []).map(({ queryId, replicas }) => ({
      invariant: "ends-in-time",
      item: queryId,
      message: `the scenario's limit passed with the query not shown settled by hub replica ${replicas.join(", ")}`,
    }));
  },
} satisfies Record<"starts-from-snapshot" | "stops-clean" | "ready-at-end" | "ends-in-time", Check>;
