import { z } from "zod";
import { nodeId, window } from "../fields.ts";
import { defineFault } from "../kind.ts";

export const PUBLISH_NACKED = "publish to a full queue refused";

/** A publish the broker refused: the queue it routes to is at its length limit. */
export class QueueFullError extends Error {
  override readonly name = "QueueFullError";
}

/**
 * The node's queue is at its length limit for the window and refuses what is published to it, as
 * a RabbitMQ queue with `x-overflow: reject-publish` nacks the publish: the hub's run-queries to
 * that node are not confirmed, and it sends them again with backoff, while the other nodes of the
 * query have theirs and answer. The query stays `created` (not yet `dispatched`) meanwhile.
 */
export const queueFull = defineFault({
  schema: z.strictObject({ kind: z.literal("queueFull"), ...window, nodeId }),
  counts: [PUBLISH_NACKED],
  describe: (f) => ({ label: "queue full", nodeId: f.nodeId }),
  install: (f, network) => network.board.fillQueue(f.nodeId, true),
  remove: (f, network) => network.board.fillQueue(f.nodeId, false),
});
