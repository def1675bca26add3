import { z } from "zod";
import { nodeId, window } from "../fields.ts";
import { defineFault } from "../kind.ts";

export const CRASHED = "crashed";
export const RESTARTED = "restarted";
export const RESTARTED_EMPTY = "restarted with its state lost";

/** The node's process dies for the window, then starts again, with its ledger or (`loseState`) without. */
export const nodeCrash = defineFault({
  schema: z.strictObject({ kind: z.literal("nodeCrash"), ...window, nodeId, loseState: z.boolean().default(false) }),
  counts: [CRASHED, RESTARTED, RESTARTED_EMPTY],
  describe: (f) => ({ label: f.loseState ? "crash, state lost" : "crash", nodeId: f.nodeId }),
  install: async (f, network) => {
    network.faulted(f.nodeId, CRASHED);
    await network.crashNode(f.nodeId);
  },
  remove: async (f, network) => {
    if (network.running(f.nodeId)) return;
    network.faulted(f.nodeId, f.loseState ? RESTARTED_EMPTY : RESTARTED);
    await network.startNode(f.nodeId, { loseState: f.loseState });
  },
});
