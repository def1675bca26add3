import { z } from "zod";
import { nodeId, window } from "../fields.ts";
import { defineFault } from "../kind.ts";
import { CRASHED, RESTARTED_EMPTY } from "./nodeCrash.ts";

export const QUERY_HANDED_AGAIN = "run-query handed to it again";

/**
 * The node crashes for the window and comes back having lost its ledger, while its queue comes
 * back from the broker's backup with every run-query it was ever sent. It takes them all on again
 * and answers each result afresh from the hub's sentToNode: other states at versions it used
 * already, some below what the hub holds (conflicts discarded), some above it (conflicts rebased).
 */
export const ledgerLoss = defineFault({
  schema: z.strictObject({ kind: z.literal("ledgerLoss"), ...window, nodeId }),
  counts: [CRASHED, RESTARTED_EMPTY, QUERY_HANDED_AGAIN],
  describe: (f) => ({ label: "ledger lost, queries again", nodeId: f.nodeId }),
  install: async (f, network) => {
    if (!network.running(f.nodeId)) return;
    network.faulted(f.nodeId, CRASHED);
    await network.crashNode(f.nodeId);
  },
  remove: async (f, network) => {
    if (network.running(f.nodeId)) return;
    network.faulted(f.nodeId, RESTARTED_EMPTY);
    await network.startNode(f.nodeId, { loseState: true });
    const connection = await network.connectionAs(f.nodeId);
    for (const q of network.publishedRunQueries.filter((q) => q.nodeId === f.nodeId)) {
      network.faulted(f.nodeId, QUERY_HANDED_AGAIN);
      // The same message again: broker-side de-duplication (JetStream's) must not swallow it.
      await connection.publish({ to: "node", nodeId: f.nodeId }, q.body, { messageId: q.messageId, brokerDedupId: `${q.messageId}:again` });
    }
  },
});
