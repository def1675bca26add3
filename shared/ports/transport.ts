/**
 * The broker, as the hub and the nodes use it: at-least-once delivery between named places of
 * PROTOCOL.md section 5. Memory, RabbitMQ and NATS all keep this one contract.
 */

/** Where a message goes. The transport maps it to an exchange + routing key, or a subject. */
export type Route =
  | { to: "node"; nodeId: string } // run-query, hub -> node
  | { to: "hub"; kind: "result" | "heartbeat"; nodeId: string } // node -> hub
  | { to: "control"; nodeId: string } // live faults, hub -> the node's process
  | { to: "dead"; reason: string; origin: string }; // dead letters; origin is the route it came from

/**
 * Where a consumer reads from. `hub` is the hub's shared queue: replicas compete for its messages,
 * each goes to one. `heartbeats` is the other way round: each consume() of it gets a copy of every
 * heartbeat published while it is subscribed, so every hub replica sees every node beat. It is the
 * subscriber's own (an exclusive, auto-delete queue; a core NATS subscription), gone when it stops or
 * its connection closes; what is published while it is not there is not kept for it. Its deliveries
 * settle like any other, but the broker keeps nothing behind them: ack them, and leave dead-lettering
 * a refused heartbeat to the copy on the hub queue.
 */
export type Source =
  | { from: "node"; nodeId: string }
  | { from: "control"; nodeId: string }
  | { from: "hub" }
  | { from: "heartbeats" }
  | { from: "dead" };

export interface PublishOptions {
  /** The envelope's messageId: the same on every resend of one proposal. */
  messageId: string;
  /** Extra headers (e.g. the dead-letter reason). */
  headers?: Record<string, string>;
  /**
   * The key the broker de-duplicates by, where it does (NATS: Nats-Msg-Id); the messageId when
   * absent. Only a fault injector sets another, so that a deliberate copy of a message reaches
   * the consumer instead of being swallowed by broker-side de-duplication.
   */
  brokerDedupId?: string;
}

export interface Delivery {
  readonly body: Uint8Array;
  readonly messageId: string | undefined;
  /** The route it was published to, as the broker saw it: the node id in the routing key or subject. */
  readonly routeNodeId: string | undefined;
  /** result, heartbeat, query, control or dead, from the routing key or subject. */
  readonly routeKind: "result" | "heartbeat" | "query" | "control" | "dead" | undefined;
  /** The identity the broker authenticated for the publisher, when auth is on and the broker reports it. */
  readonly authenticatedUser: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** True when the broker delivered this message before. */
  readonly redelivered: boolean;
  /** 1 on the first delivery. */
  readonly deliveryCount: number;
  /** The reason it was dead-lettered, on deliveries from the dead destination. */
  readonly deadReason: string | undefined;
  ack(): Promise<void>;
  /** Give it back; with requeue it is delivered again (after delayMs where the broker supports it). */
  nack(options?: { requeue?: boolean; delayMs?: number }): Promise<void>;
  /** Publish it to the dead-letter destination with a reason, then ack it. */
  deadLetter(reason: string): Promise<void>;
}

export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

export interface ConsumeOptions {
  /** Unacknowledged deliveries in flight at most. */
  prefetch?: number;
}

export interface Subscription {
  /** Stop receiving; deliveries in flight may still be acked. Resolves when no handler is running. */
  stop(): Promise<void>;
}

export interface Transport {
  /** The broker's name in the registry, as QNET_TRANSPORT gives it: memory, amqp, nats. */
  readonly name: string;
  /**
   * Declare what a role needs. The hub declares everything, with a queue or durable consumer
   * for every node it knows; a node makes its own only if missing.
   */
  declare(topology: { role: "hub"; nodeIds: readonly string[] } | { role: "node"; nodeId: string }): Promise<void>;
  /** Resolves once the broker has confirmed the message durable. */
  publish(route: Route, body: Uint8Array, options: PublishOptions): Promise<void>;
  consume(source: Source, handler: DeliveryHandler, options?: ConsumeOptions): Promise<Subscription>;
  /** True while connected to the broker. */
  connected(): boolean;
  close(): Promise<void>;
}

/**
 * The errors a transport's callers may tell apart, the same on every engine: the hub and the nodes
 * catch them, whichever broker is underneath.
 */

/** A publish reached no queue: its destination was never declared. */
export class UnroutableError extends Error {
  override readonly name = "UnroutableError";
}

/** The broker refused the operation for good (a missing exchange, access refused, settings in conflict): retrying will not help. */
export class BrokerRefusedError extends Error {
  override readonly name = "BrokerRefusedError";
}

/** The transport was closed: nothing more goes through it. */
export class TransportClosedError extends Error {
  override readonly name = "TransportClosedError";
}
