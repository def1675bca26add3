import type { Route, Source, Transport } from "../ports/transport.ts";

/** What one role declares on a broker. */
export type Topology = Parameters<Transport["declare"]>[0];

/** A source read through a durable queue or consumer, shared by its consumers; heartbeats are each subscriber's own. */
export type DurableSource = Exclude<Source, { from: "heartbeats" }>;

/** What a broker message was addressed to, below the prefix: the same words on RabbitMQ and NATS. */
export type AddressKind = "query" | "result" | "heartbeat" | "control";

/** The reason a broker gives a message it stopped redelivering, worded alike on every transport. */
export const DELIVERY_LIMIT_REASON = "delivery limit exceeded";

/** "query.<nodeId>", "control.<nodeId>", "result.<nodeId>" or "heartbeat.<nodeId>": a routing key, and the subject below the prefix. */
export function addressOf(route: Exclude<Route, { to: "dead" }>): string {
  if (route.to === "node") return `query.${route.nodeId}`;
  if (route.to === "control") return `control.${route.nodeId}`;
  return `${route.kind}.${route.nodeId}`;
}

/** Reads "kind.nodeId" back; anything else (a foreign publisher, a typo) reads as unknown, never throws. */
export function parseAddress(address: string): { kind: AddressKind; nodeId: string } | undefined {
  const dot = address.indexOf(".");
  if (dot <= 0) return undefined;
  const kind = address.slice(0, dot);
  const nodeId = address.slice(dot + 1);
  if (kind !== "query" && kind !== "result" && kind !== "heartbeat" && kind !== "control") return undefined;
  if (nodeId.length === 0 || nodeId.includes(".")) return undefined;
  return { kind, nodeId };
}

/**
 * A dead letter's origin as broker-safe tokens: it ends up in a routing key and a NATS subject,
 * where spaces and wildcards would change its meaning.
 */
export function originTokens(origin: string): string {
  const cleaned = origin
    .split(".")
    .map((t) => t.replace(/[^A-Za-z0-9_-]/g, "_"))
    .filter((t) => t.length > 0)
    .join(".");
  return cleaned.length > 0 ? cleaned.slice(0, 200) : "unknown";
}

/** The node a dead letter came from, when its origin names one. */
export function originNodeId(origin: string): string | undefined {
  return parseAddress(origin)?.nodeId;
}
