import { z } from "zod";
import { atTarget, ms, probability, target, window } from "../fields.ts";
import { defineFault, type DeliveryStrike } from "../kind.ts";
import { LossyAckDelivery } from "../lossyAck.ts";

export const ACK_DROPPED = "ack dropped";

/** The handler's ack is lost: after `ackWaitMs` the broker gives the message to a consumer again. */
export const dropBeforeAck = defineFault({
  schema: z.strictObject({ kind: z.literal("dropBeforeAck"), ...window, target, probability, ackWaitMs: ms.min(1).default(1_000) }),
  counts: [ACK_DROPPED],
  describe: atTarget,
  install: (f, network) =>
    network.board.setConsumerFault(f.target, "dropBeforeAck", { probability: f.probability, ackWaitMs: network.ms(f.ackWaitMs) }),
  remove: (f, network) => network.board.setConsumerFault(f.target, "dropBeforeAck", undefined),
});

export const dropAck: DeliveryStrike<{ probability: number; ackWaitMs: number }> = {
  what: ACK_DROPPED,
  strike: (delivery, params, clock) => new LossyAckDelivery(delivery, { kind: "drop", ackWaitMs: params.ackWaitMs }, clock),
};
