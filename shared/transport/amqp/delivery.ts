import type { ConsumeMessage } from "amqplib";
import { z } from "zod";
import type { Source } from "../../ports/transport.ts";
import { DELIVERY_LIMIT_REASON, originNodeId, parseAddress } from "../routing.ts";

/** The header that carries the reason of a dead letter this project published itself. */
export const REASON_HEADER = "x-qnet-reason";

import type { DeliveryFacts } from "../factsDelivery.ts";

const deathRecords = z.array(z.object({ reason: z.string() }).loose());

/** The header table as a plain record, or an empty one: checked by hand, as this runs for every delivery. */
function headerTableOf(raw: unknown): Record<string, unknown> {
  return typeof raw === "object" && raw !== null && !Array.isArray(raw) && !Buffer.isBuffer(raw) ? (raw as Record<string, unknown>) : {};
}

/** x-delivery-count as a count, when it is one: a non-negative integer, as a number or its decimal text. */
function deliveryCountOf(raw: unknown): number | undefined {
  const n =
    typeof raw === "number"
      ? raw
      : typeof raw === "string" && /^\d+$/.test(raw)
        ? Number(raw)
        : typeof raw === "bigint"
          ? Number(raw)
          : Number.NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** RabbitMQ's own dead-letter reasons, in the words the rest of the project uses. */
const brokerReasons: Record<string, string> = {
  delivery_limit: DELIVERY_LIMIT_REASON,
  rejected: "rejected without requeue",
  expired: "expired",
  maxlen: "queue length limit",
};

function brokerReason(raw: string): string {
  return brokerReasons[raw] ?? `dead-lettered by the broker: ${raw}`;
}

/** Header values as strings; tables and arrays (x-death) are the broker's business and are left out. */
function stringHeaders(table: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(table)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") out[k] = String(v);
    else if (Buffer.isBuffer(v)) out[k] = v.toString("utf8");
  }
  return out;
}

function deadReasonOf(table: Record<string, unknown>): string | undefined {
  const own = table[REASON_HEADER];
  if (typeof own === "string" && own.length > 0) return own;
  if (Buffer.isBuffer(own)) return own.toString("utf8");
  const first = table["x-first-death-reason"];
  if (typeof first === "string" && first.length > 0) return brokerReason(first);
  const deaths = deathRecords.safeParse(table["x-death"]);
  if (deaths.success && deaths.data[0]) return brokerReason(deaths.data[0].reason);
  return undefined;
}

/**
 * What a consumer learns from one AMQP delivery. Broker input is not trusted: odd headers or
 * routing keys read as unknown, never as an exception.
 */
export function readDelivery(msg: ConsumeMessage, source: Source): DeliveryFacts {
  const table = headerTableOf(msg.properties.headers);
  const redelivered = msg.fields.redelivered === true;
  const counted = deliveryCountOf(table["x-delivery-count"]);
  // Quorum queues count earlier failed deliveries in x-delivery-count; it is absent on the first.
  const deliveryCount = counted !== undefined ? counted + 1 : redelivered ? 2 : 1;
  const routingKey = typeof msg.fields.routingKey === "string" ? msg.fields.routingKey : "";
  const address = parseAddress(routingKey);
  const isDead = source.from === "dead";
  const messageId = typeof msg.properties.messageId === "string" && msg.properties.messageId ? msg.properties.messageId : undefined;
  const userId = typeof msg.properties.userId === "string" && msg.properties.userId ? msg.properties.userId : undefined;
  return {
    body: new Uint8Array(msg.content.buffer, msg.content.byteOffset, msg.content.byteLength),
    messageId,
    routeKind: isDead ? "dead" : address?.kind,
    routeNodeId: isDead ? originNodeId(routingKey) : address?.nodeId,
    authenticatedUser: userId,
    headers: stringHeaders(table),
    redelivered: redelivered || deliveryCount > 1,
    deliveryCount,
    deadReason: isDead ? (deadReasonOf(table) ?? "unknown") : undefined,
  };
}
