import type { Route } from "../../ports/transport.ts";
import { addressOf, type DurableSource, originTokens } from "../routing.ts";

/** The RabbitMQ names of PROTOCOL.md section 5 under one prefix. */
export interface AmqpNames {
  queriesExchange: string;
  resultsExchange: string;
  deadExchange: string;
  deadQueue: string;
  hubQueue: string;
  /** `<p>.hub.beats.<tag>`: one hub replica's own queue of every heartbeat, exclusive and auto-delete. */
  beatsQueue(tag: string): string;
  nodeQueue(nodeId: string): string;
  /** The node process's live faults, bound from the queries exchange by `control.<nodeId>`. */
  controlQueue(nodeId: string): string;
}

export function amqpNames(prefix: string): AmqpNames {
  return {
    queriesExchange: `${prefix}.queries`,
    resultsExchange: `${prefix}.results`,
    deadExchange: `${prefix}.dead`,
    deadQueue: `${prefix}.dead`,
    hubQueue: `${prefix}.hub.results`,
    beatsQueue: (tag) => `${prefix}.hub.beats.${tag}`,
    nodeQueue: (nodeId) => `${prefix}.node.${nodeId}`,
    controlQueue: (nodeId) => `${prefix}.control.${nodeId}`,
  };
}

/** Where a route publishes: exchange and routing key. A dead letter keeps its origin as the routing key. */
export function publishTarget(names: AmqpNames, route: Route): { exchange: string; routingKey: string } {
  switch (route.to) {
    case "node":
    case "control":
      return { exchange: names.queriesExchange, routingKey: addressOf(route) };
    case "hub":
      return { exchange: names.resultsExchange, routingKey: addressOf(route) };
    case "dead":
      return { exchange: names.deadExchange, routingKey: originTokens(route.origin) };
  }
}

/** The durable queue a source reads; a beats queue is each subscriber's own (beatsQueue). */
export function sourceQueue(names: AmqpNames, source: DurableSource): string {
  switch (source.from) {
    case "node":
      return names.nodeQueue(source.nodeId);
    case "control":
      return names.controlQueue(source.nodeId);
    case "hub":
      return names.hubQueue;
    case "dead":
      return names.deadQueue;
  }
}

/**
 * Arguments of a work queue. Quorum queues count deliveries themselves and dead-letter a message
 * past the limit, so a poison message ends in <p>.dead instead of looping for ever.
 * `maxDeliveries` counts every delivery, the first included, like NATS's max_deliver; RabbitMQ's
 * x-delivery-limit counts only the returns, hence the one less.
 */
export function workQueueArguments(names: AmqpNames, maxDeliveries: number): Record<string, unknown> {
  return { "x-queue-type": "quorum", "x-dead-letter-exchange": names.deadExchange, "x-delivery-limit": Math.max(0, maxDeliveries - 1) };
}

/**
 * A subscriber's own queue of heartbeats: it lives with its connection and its consumer, so a replica
 * that goes leaves nothing behind, and holds only what is published while it is there. Classic, as
 * quorum queues cannot be exclusive.
 */
export const beatsQueueOptions = { exclusive: true, autoDelete: true, durable: false, arguments: { "x-queue-type": "classic" } } as const;

/** The dead-letter queue is the end of the line: no dead-letter exchange of its own, no limit. */
export const deadQueueArguments: Record<string, unknown> = { "x-queue-type": "quorum" };
