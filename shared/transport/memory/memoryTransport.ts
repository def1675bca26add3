import type {
  ConsumeOptions,
  Delivery,
  DeliveryHandler,
  PublishOptions,
  Route,
  Source,
  Subscription,
  Transport,
} from "../../ports/transport.ts";
import { TransportClosedError } from "../../ports/transport.ts";
import { addressOf, type DurableSource, originNodeId, originTokens, parseAddress } from "../routing.ts";
import type { BrokerDelivery, ConnectionHandle, MemoryBroker } from "./broker.ts";

/** The queues and addresses of one network on the memory broker: RabbitMQ's queue names, NATS-like addresses. */
export interface MemoryNames {
  readonly prefix: string;
  /** `<p>.node.<nodeId>` */
  nodeQueue(nodeId: string): string;
  /** `<p>.control.<nodeId>`: the live faults for the node's process */
  controlQueue(nodeId: string): string;
  /** `<p>.hub.results` */
  readonly hubQueue: string;
  /** `<p>.dead` */
  readonly deadQueue: string;
  /** `<p>.hub.beats.<tag>`: one subscriber's own queue of every heartbeat. */
  beatsQueue(tag: string): string;
  /** `<p>.heartbeat.*`, what a beats queue is bound to. */
  readonly heartbeats: string;
  /** The shared queue a source reads; a beats queue is each subscriber's own (beatsQueue). */
  queueOf(source: DurableSource): string;
  /** `<p>.query.<nodeId>`, `<p>.result.<nodeId>`, `<p>.heartbeat.<nodeId>`, `<p>.dead.<origin>` */
  address(route: Route): string;
  /** The route an address of this prefix stands for (the inverse of `address`); undefined for any other address. */
  routeOf(address: string, deadReason?: string): Route | undefined;
}

export function memoryNames(prefix: string): MemoryNames {
  const names: MemoryNames = {
    prefix,
    nodeQueue: (nodeId) => `${prefix}.node.${nodeId}`,
    controlQueue: (nodeId) => `${prefix}.control.${nodeId}`,
    hubQueue: `${prefix}.hub.results`,
    deadQueue: `${prefix}.dead`,
    beatsQueue: (tag) => `${prefix}.hub.beats.${tag}`,
    heartbeats: `${prefix}.heartbeat.*`,
    queueOf: (source) => {
      if (source.from === "node") return names.nodeQueue(source.nodeId);
      if (source.from === "control") return names.controlQueue(source.nodeId);
      return source.from === "hub" ? names.hubQueue : names.deadQueue;
    },
    address: (route) => `${prefix}.${route.to === "dead" ? `dead.${originTokens(route.origin)}` : addressOf(route)}`,
    routeOf: (address, deadReason = "") => {
      if (!address.startsWith(`${prefix}.`)) return undefined;
      const key = address.slice(prefix.length + 1);
      if (key.startsWith("dead.")) return { to: "dead", reason: deadReason, origin: key.slice("dead.".length) };
      const parsed = parseAddress(key);
      if (!parsed) return undefined;
      if (parsed.kind === "query") return { to: "node", nodeId: parsed.nodeId };
      if (parsed.kind === "control") return { to: "control", nodeId: parsed.nodeId };
      return { to: "hub", kind: parsed.kind, nodeId: parsed.nodeId };
    },
  };
  return names;
}

/** Quorum queues of RabbitMQ 4 default to the same limit. */
export const DEFAULT_DELIVERY_LIMIT = 20;
export const DEFAULT_PREFETCH = 256;

export interface MemoryTransportOptions {
  /** Broker name prefix (PROTOCOL.md section 5); `qnet` by default. */
  prefix?: string;
  /** Deliveries of one message at most on the queues this transport declares; then it is dead-lettered. */
  deliveryLimit?: number;
  /** Prefetch of a consume() that names none. */
  prefetch?: number;
  /** The identity consumers see as `authenticatedUser` on what this transport publishes. */
  user?: string;
  /** Told when a handler throws; the delivery, if unsettled, is requeued either way. */
  onHandlerError?: (error: unknown, delivery: Delivery) => void;
}

/**
 * One participant's connection to a shared MemoryBroker. Closing it is a dropped connection: its
 * consumers stop and what they held unacknowledged goes back to the queues, redelivered.
 */
export class MemoryTransport implements Transport {
  readonly name = "memory" as const;
  readonly names: MemoryNames;
  private readonly connection: ConnectionHandle;
  private readonly deliveryLimit: number;
  private readonly prefetch: number;
  private readonly options: MemoryTransportOptions;
  private open = true;
  private beatsQueues = 0;

  constructor(
    readonly broker: MemoryBroker,
    options: MemoryTransportOptions = {},
  ) {
    this.options = options;
    this.names = memoryNames(options.prefix ?? "qnet");
    this.deliveryLimit = options.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT;
    this.prefetch = options.prefetch ?? DEFAULT_PREFETCH;
    this.connection = broker.openConnection();
  }

  async declare(topology: { role: "hub"; nodeIds: readonly string[] } | { role: "node"; nodeId: string }): Promise<void> {
    this.assertOpen();
    const { broker, names } = this;
    const p = names.prefix;
    // A node makes the dead queue too when missing: a dead letter with nowhere to go would vanish.
    broker.declareQueue(names.deadQueue);
    broker.bind(names.deadQueue, `${p}.dead.>`);
    const queueOptions = { deliveryLimit: this.deliveryLimit, deadLetterQueue: names.deadQueue };
    const nodeIds = topology.role === "hub" ? topology.nodeIds : [topology.nodeId];
    for (const nodeId of nodeIds) {
      const queue = names.nodeQueue(nodeId);
      broker.declareQueue(queue, queueOptions);
      broker.bind(queue, names.address({ to: "node", nodeId }));
      broker.declareQueue(names.controlQueue(nodeId), queueOptions);
      broker.bind(names.controlQueue(nodeId), names.address({ to: "control", nodeId }));
    }
    if (topology.role === "hub") {
      broker.declareQueue(names.hubQueue, queueOptions);
      broker.bind(names.hubQueue, `${p}.result.*`);
      broker.bind(names.hubQueue, `${p}.heartbeat.*`);
    }
  }

  /** Resolves once the message is in its queue(s); rejects with UnroutableError when no queue is bound. */
  async publish(route: Route, body: Uint8Array, options: PublishOptions): Promise<void> {
    this.assertOpen();
    this.broker.publish(this.names.address(route), {
      body: body.slice(),
      messageId: options.messageId,
      headers: { ...options.headers },
      publisher: this.options.user,
      deadReason: route.to === "dead" ? route.reason : undefined,
    });
  }

  /** Rejects with UnknownQueueError when the source's queue was never declared. */
  async consume(source: Source, handler: DeliveryHandler, options: ConsumeOptions = {}): Promise<Subscription> {
    this.assertOpen();
    const running = new Set<Promise<void>>();
    const fromDead = source.from === "dead";
    const queue = source.from === "heartbeats" ? this.declareBeatsQueue() : this.names.queueOf(source);
    const tag = this.broker.consume(this.connection, queue, options.prefetch ?? this.prefetch, (handed) => {
      const run = this.run(handler, new MemoryDelivery(this, handed, fromDead));
      running.add(run);
      void run.then(() => running.delete(run));
    });
    return {
      stop: async () => {
        this.broker.cancel(this.connection, tag);
        await Promise.all([...running]);
      },
    };
  }

  /** A queue of this connection's own, bound to every heartbeat, deleted with its consumer (RabbitMQ's exclusive auto-delete). */
  private declareBeatsQueue(): string {
    const queue = this.names.beatsQueue(`${this.connection.id}-${++this.beatsQueues}`);
    this.broker.declareQueue(queue, { exclusiveTo: this.connection });
    this.broker.bind(queue, this.names.heartbeats);
    return queue;
  }

  connected(): boolean {
    return this.open;
  }

  /** Drops the connection at once, as a crash would: handlers still running are not awaited. */
  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.broker.closeConnection(this.connection);
  }

  /** The key a delivery's address carries once the prefix is taken off. */
  keyOf(address: string): string {
    return address.slice(this.names.prefix.length + 1);
  }

  assertOpen(): void {
    if (!this.open) throw new TransportClosedError(`memory transport (${this.names.prefix}) is closed`);
  }

  private async run(handler: DeliveryHandler, delivery: MemoryDelivery): Promise<void> {
    try {
      await handler(delivery);
    } catch (error) {
      this.options.onHandlerError?.(error, delivery);
      if (!delivery.settled && this.open) await delivery.nack({ requeue: true }).catch(() => undefined);
    }
  }
}

class MemoryDelivery implements Delivery {
  readonly body: Uint8Array;
  readonly messageId: string | undefined;
  readonly routeNodeId: string | undefined;
  readonly routeKind: Delivery["routeKind"];
  readonly authenticatedUser: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly redelivered: boolean;
  readonly deliveryCount: number;
  readonly deadReason: string | undefined;
  settled = false;
  private readonly tag: number;
  private readonly key: string;

  constructor(
    private readonly transport: MemoryTransport,
    handed: BrokerDelivery,
    fromDead: boolean,
  ) {
    const m = handed.message;
    this.tag = handed.tag;
    this.key = transport.keyOf(m.address);
    const address = parseAddress(this.key);
    this.body = m.body.slice();
    this.messageId = m.messageId;
    // A dead letter's key is its origin: kept by the broker, or `dead.<origin>` when a handler sent it.
    this.routeKind = fromDead ? "dead" : address?.kind;
    this.routeNodeId = fromDead ? originNodeId(this.key.replace(/^dead\./, "")) : address?.nodeId;
    this.authenticatedUser = m.publisher;
    this.headers = Object.freeze({ ...m.headers });
    this.redelivered = handed.redelivered;
    this.deliveryCount = handed.deliveryCount;
    this.deadReason = m.deadReason;
  }

  async ack(): Promise<void> {
    this.settle(() => this.transport.broker.ack(this.tag));
  }

  async nack(options: { requeue?: boolean; delayMs?: number } = {}): Promise<void> {
    this.settle(() => this.transport.broker.nack(this.tag, options));
  }

  async deadLetter(reason: string): Promise<void> {
    this.settle(() => {
      this.transport.assertOpen();
      const origin = this.key.replace(/^dead\./, "");
      this.transport.broker.publish(this.transport.names.address({ to: "dead", reason, origin }), {
        body: this.body,
        messageId: this.messageId,
        headers: this.headers,
        publisher: this.authenticatedUser,
        deadReason: reason,
      });
      this.transport.broker.ack(this.tag);
    });
  }

  private settle(step: () => void): void {
    if (this.settled) throw new Error(`delivery ${this.messageId ?? this.tag} is settled already`);
    step();
    this.settled = true;
  }
}
