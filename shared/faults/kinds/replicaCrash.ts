import { z } from "zod";
import { window } from "../fields.ts";
import { defineFault } from "../kind.ts";
import { CRASHED, RESTARTED } from "./nodeCrash.ts";

/** The replicas a scenario may run at most; a replica is numbered from 0. */
export const MAX_HUBS = 5;

export const STOPPED = "stopped";

/**
 * One hub replica's process dies for the window while the others run on: its connection drops
 * (what it held unacknowledged is redelivered, to the replicas still consuming), its lease on the
 * singleton duties goes with it, and at the end of the window it starts again over the store. With
 * `graceful`, it is stopped instead, as an operator's rolling restart stops it (SIGTERM): it stops
 * consuming and settles every delivery it was handed before its connection closes.
 */
export const replicaCrash = defineFault({
  schema: z.strictObject({
    kind: z.literal("replicaCrash"),
    ...window,
    replica: z
      .number()
      .int()
      .min(0)
      .max(MAX_HUBS - 1),
    graceful: z.boolean().optional(),
  }),
  counts: [CRASHED, STOPPED, RESTARTED],
  describe: (f) => ({ label: `hub replica ${f.replica} ${f.graceful ? "stopped" : "down"}` }),
  install: async (f, network) => {
    if (f.graceful) {
      network.faulted(`hub-${f.replica}`, STOPPED);
      await network.stopReplica(f.replica);
      return;
    }
    network.faulted(`hub-${f.replica}`, CRASHED);
    await network.crashReplica(f.replica);
  },
  remove: async (f, network) => {
    network.faulted(`hub-${f.replica}`, RESTARTED);
    await network.startReplica(f.replica);
  },
});
