import { z } from "zod";
import { encodeMessage } from "../../protocol/messages.ts";
import { window } from "../fields.ts";
import { defineFault } from "../kind.ts";

export const REPLAYED = "stale update replayed";
export const RESENT = "stale update resent under a new messageId";

/**
 * Result-updates published earlier (in the first half of those so far) are published again,
 * `count` of them, spread over the window: as the broker redelivers them, with their messageIds; or
 * (`newMessageIds`) as a node resends states it sent once after losing its record of their
 * messageIds: the same states under new ones, which only the stored state tells apart as duplicates.
 */
export const staleReplay = defineFault({
  schema: z.strictObject({
    kind: z.literal("staleReplay"),
    ...window,
    count: z.number().int().min(1).max(1_000),
    newMessageIds: z.boolean().default(false),
  }),
  counts: [REPLAYED, RESENT],
  describe: () => ({ label: "staleReplay" }),
  shots: (f) => f.count,
  inject: async (f, network) => {
    const updates = network.publishedUpdates;
    const earlier = updates.slice(0, Math.ceil(updates.length / 2));
    if (earlier.length === 0) return;
    const old = network.random.pick(earlier);
    const messageId = f.newMessageIds ? network.random.uuid() : old.messageId;
    const body = encodeMessage({
      type: "result-update",
      messageId,
      sentAt: new Date(network.clock.now()).toISOString(),
      nodeId: old.nodeId,
      result: old.result,
    });
    network.faulted(old.nodeId, f.newMessageIds ? RESENT : REPLAYED);
    // A replay is the message again: broker-side de-duplication (JetStream's) must not swallow it.
    await (await network.connectionAs(old.nodeId)).publish({ to: "hub", kind: "result", nodeId: old.nodeId }, body, {
      messageId,
      brokerDedupId: `${messageId}:replay${network.clock.now()}`,
    });
  },
});
