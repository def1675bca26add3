import type { JsMsg } from "@nats-io/jetstream";
import type { Msg, MsgHdrs } from "@nats-io/transport-node";
import type { Source } from "../../ports/transport.ts";
import { type NatsNames, readSubject } from "./topology.ts";

/** The header that carries a dead letter's reason. */
export const REASON_HEADER = "Qnet-Reason";
/** JetStream's de-duplication header, set from the envelope's messageId. */
export const MSG_ID_HEADER = "Nats-Msg-Id";

import type { DeliveryFacts } from "../factsDelivery.ts";

/** The server's count of deliveries, or 1 when it gives none that reads as one: checked by hand, as this runs for every delivery. */
function deliveryCountOf(raw: unknown): number {
  return typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 1 ? raw : 1;
}

/** Header values as strings, first value of each. */
export function headerRecord(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const key of h.keys()) {
    const value = h.get(key);
    if (typeof value === "string") out[key] = value;
  }
  return out;
}

/** Headers a republished message must not carry over: the server's own, and the old reason. */
export function carriedHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (!/^nats-/i.test(k) && k.toLowerCase() !== REASON_HEADER.toLowerCase()) out[k] = v;
  return out;
}

/** A message's facts from its subject and headers, with what the server says of this delivery of it. */
function factsOf(
  names: NatsNames,
  msg: Pick<Msg, "subject" | "data" | "headers">,
  redelivered: boolean,
  deliveryCount: number,
  isDead: boolean,
): DeliveryFacts {
  const headers = headerRecord(msg.headers);
  const where = readSubject(names, msg.subject);
  return {
    body: msg.data,
    messageId: headers[MSG_ID_HEADER] || undefined,
    routeKind: where.kind,
    routeNodeId: where.nodeId,
    // nats-server stamps no publisher identity on the messages it delivers.
    authenticatedUser: undefined,
    headers,
    redelivered,
    deliveryCount,
    deadReason: isDead ? headers[REASON_HEADER] || "unknown" : undefined,
  };
}

/** What a consumer learns from one JetStream delivery; odd input reads as unknown, never throws. */
export function readDelivery(names: NatsNames, msg: JsMsg, source: Source): DeliveryFacts {
  const info = msg.info;
  return factsOf(names, msg, info.redelivered === true, deliveryCountOf(info.deliveryCount), source.from === "dead");
}

/** What a subscriber learns from a message of a core subscription: a first delivery, as nothing redelivers it. */
export function readMessage(names: NatsNames, msg: Pick<Msg, "subject" | "data" | "headers">): DeliveryFacts {
  return factsOf(names, msg, false, 1, false);
}
