import { z } from "zod";
import { atTarget, ms, probability, target, window } from "../fields.ts";
import { defineFault, type DeliveryStrike } from "../kind.ts";
import { LossyAckDelivery } from "../lossyAck.ts";

export const ACK_DELAYED = "ack delayed";

/** The ack leaves `delayMs` late; past `ackWaitMs` the broker has redelivered already. */
export const ackDelay = defineFault({
  schema: z.strictObject({
    kind: z.literal("ackDelay"),
    ...window,
    target,
    probability,
    delayMs: ms.min(1),
    ackWaitMs: ms.min(1).default(1_000),
  }),
  counts: [ACK_DELAYED],
  describe: atTarget,
  install: (f, network) =>
    network.board.setConsumerFault(f.target, "ackDelay", {
      probability: f.probability,
      delayMs: network.ms(f.delayMs),
      ackWaitMs: network.ms(f.ackWaitMs),
    }),
  remove: (f, network) => network.board.setConsumerFault(f.target, "ackDelay", undefined),
});

export const delayAck: DeliveryStrike<{ probability: number; delayMs: number; ackWaitMs: number }> = {
  what: ACK_DELAYED,
  strike: (delivery, params, clock) =>
    new LossyAckDelivery(delivery, { kind: "delay", delayMs: params.delayMs, ackWaitMs: params.ackWaitMs }, clock),
};
