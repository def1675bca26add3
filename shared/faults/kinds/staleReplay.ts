import { z } from "zod";
import { encodeMessage } from "../../protocol/messages.ts";
import { window } from "../fields.ts";
import { defineFault } from "../kind.ts";

export const REPLAYED = "stale update replayed";

/** Result-updates published earlier (in the first half of those so far) are published again, `count` of them, spread over the window. */
export const staleReplay = defineFault({
  schema: z.strictObject({ kind: z.literal("staleReplay"), ...window, count: z.number().int().min(1).max(1_000) }),
  counts: [REPLAYED],
  describe: () => ({ label: "staleReplay" }),
  shots: (f) => f.count,
  inject: async (_f, network) => {
    const updates = network.publishedUpdates;
    const earlier = updates.slice(0, Math.ceil(updates.length / 2));
    if (earlier.length === 0) return;
    const old = network.random.pick(earlier);
    const body = encodeMessage({
      type: "result-update",
      messageId: old.messageId,
      sentAt: new Date(network.clock.now()).toISOString(),
      nodeId: old.nodeId,
      result: old.result,
    });
    network.faulted(old.nodeId, REPLAYED);
    await (await network.connectionAs(old.nodeId)).publish({ to: "hub", kind: "result", nodeId: old.nodeId }, body, {
      messageId: old.messageId,
    });
  },
});
