import { messageRefusal } from "../../shared/apply/admission.ts";
import type { Delivery } from "../../shared/ports/transport.ts";
import { decodeMessage, type Message } from "../../shared/protocol/messages.ts";
import { userNodeIdOf } from "./sender.ts";

/** What the edge makes of one delivery: its message, or why it is refused, with the message when it decodes. */
export type Admission = { ok: true; message: Message } | { ok: false; message: Message | undefined; reason: string };

/**
 * The one check at the edge, whichever way a message came: it decodes, and it is a node's message
 * on its own route, in its own name (shared/apply/admission.ts).
 */
export function admit(delivery: Delivery): Admission {
  const decoded = decodeMessage(delivery.body);
  if (!decoded.ok) return { ok: false, message: undefined, reason: decoded.reason };
  const refusal = messageRefusal(decoded.message, delivery, userNodeIdOf(delivery));
  return refusal === undefined ? { ok: true, message: decoded.message } : { ok: false, message: decoded.message, reason: refusal };
}
