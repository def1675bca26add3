import { z } from "zod";
import { atTarget, target, window } from "../fields.ts";
import { defineFault, type DeliveryStrike } from "../kind.ts";

export const NACKED_UNSEEN = "nacked unseen";

/** The consumer bounces deliveries back to the queue unseen. */
export const nackStorm = defineFault({
  schema: z.strictObject({ kind: z.literal("nackStorm"), ...window, target, probability: z.number().min(0).max(0.6) }),
  counts: [NACKED_UNSEEN],
  describe: atTarget,
  install: (f, network) => network.board.setConsumerFault(f.target, "nackStorm", { probability: f.probability }),
  remove: (f, network) => network.board.setConsumerFault(f.target, "nackStorm", undefined),
});

export const bounceUnseen: DeliveryStrike<{ probability: number }> = {
  what: NACKED_UNSEEN,
  strike: () => "bounce",
};
