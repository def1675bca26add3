import { z } from "zod";
import { decodeMessage, encodeMessage } from "../../protocol/messages.ts";
import { window } from "../fields.ts";
import { type DeadLetterCopy, defineFault, type FaultedNetwork } from "../kind.ts";

export const DEAD_LETTER_REPLAYED = "dead letter replayed to the hub";

/** How many of a network's dead letters an operator has moved back already. */
const replayedOf = new WeakMap<readonly DeadLetterCopy[], number>();

/**
 * An operator moves the dead-letter queue back to the hub's queue, once at a time drawn in the
 * window, as after an outage that exhausted deliveries: every letter there since the last replay,
 * a result-update under a new messageId (the operator's tool makes a new message of it), anything
 * else as it is. Valid updates the hub then applies, or finds stored already; poison it refuses again.
 */
export const deadLetterReplay = defineFault({
  schema: z.strictObject({ kind: z.literal("deadLetterReplay"), ...window }),
  counts: [DEAD_LETTER_REPLAYED],
  describe: () => ({ label: "dead letters replayed" }),
  shots: () => 1,
  inject: async (_f, network) => {
    const letters = network.deadLetters;
    const from = replayedOf.get(letters) ?? 0;
    replayedOf.set(letters, letters.length);
    for (const letter of letters.slice(from)) await replay(letter, network);
  },
});

async function replay(letter: DeadLetterCopy, network: FaultedNetwork): Promise<void> {
  const decoded = decodeMessage(letter.body);
  // A run-query dead-lettered by a node belongs to no hub.
  if (decoded.ok && decoded.message.type === "run-query") return;
  const nodeId = letter.nodeId ?? network.random.pick(network.nodeIds);
  const messageId = network.random.uuid();
  const body = decoded.ok && decoded.message.type === "result-update" ? encodeMessage({ ...decoded.message, messageId }) : letter.body;
  network.faulted(nodeId, DEAD_LETTER_REPLAYED);
  // The operator's tool publishes under the operator's own broker user, on the node's route: the route says whose it is.
  await (await network.operatorConnection()).publish({ to: "hub", kind: "result", nodeId }, body, { messageId });
}
