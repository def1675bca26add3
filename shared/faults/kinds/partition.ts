import { z } from "zod";
import { nodeId, window } from "../fields.ts";
import { defineFault } from "../kind.ts";

export const PUBLISH_REFUSED = "publish refused by a partition";
export const DELIVERY_HELD = "delivery held back until healed";

/** A publish from a participant cut off from the broker. */
export class PartitionedError extends Error {
  override readonly name = "PartitionedError";
}

/** "publish": the node cannot publish; "consume": it receives nothing; "both". */
export const partition = defineFault({
  schema: z.strictObject({
    kind: z.literal("partition"),
    ...window,
    nodeId,
    direction: z.enum(["publish", "consume", "both"]).default("both"),
  }),
  counts: [PUBLISH_REFUSED, DELIVERY_HELD],
  describe: (f) => ({ label: `partition (${f.direction})`, nodeId: f.nodeId }),
  install: (f, network) => network.board.partition(f.nodeId, f.direction === "both" ? ["publish", "consume"] : [f.direction]),
  remove: (f, network) => network.board.heal(f.nodeId),
});
