import { z } from "zod";
import { atTarget, target, window } from "../fields.ts";
import { defineFault } from "../kind.ts";

export const PUBLISH_BLOCKED = "publish blocked until the alarm cleared";

/**
 * The broker raises a resource alarm (RabbitMQ's memory or disk alarm) and blocks the target's
 * publishing connections for the window: each publish waits there, unconfirmed, and goes once the
 * alarm clears. Aimed at the hub, it holds every replica's run-queries alike, so the send a
 * replica began and the one the redispatch duty began on another replica for the same query are
 * confirmed in one instant, and both move the query on from the state they both show.
 */
export const brokerAlarm = defineFault({
  schema: z.strictObject({ kind: z.literal("brokerAlarm"), ...window, target }),
  counts: [PUBLISH_BLOCKED],
  describe: atTarget,
  install: (f, network) => network.board.blockPublishes(f.target),
  remove: (f, network) => network.board.unblockPublishes(f.target),
});
