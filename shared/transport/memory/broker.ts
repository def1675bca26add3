import type { Clock, Timer } from "../../ports/clock.ts";
import type { Random } from "../../ports/random.ts";
import { UnroutableError } from "../../ports/transport.ts";
import { DELIVERY_LIMIT_REASON } from "../routing.ts";
import { BindingTable } from "./bindings.ts";
import { Deque } from "./deque.ts";
import { NO_FATE, type TransitFate, TransitInjector, type TransitPlan } from "../../faults/mod.ts";

/**
 * An at-least-once broker in memory: named queues reached through bindings, competing consumers
 * served round-robin within their prefetch, manual acknowledgement, requeue, delivery limits and
 * dead-lettering. Every delivery starts from a timer on the injected clock, never inside publish,
 * so on a virtual clock nothing moves until the simulation advances time.
 */

export class UnknownQueueError extends Error {
  override readonly name = "UnknownQueueError";
}
/** Settling a delivery the broker no longer holds: settled already, or its connection closed. */
export class DeliveryNotHeldError extends Error {
  override readonly name = "DeliveryNotHeldError";
}
export class ConnectionClosedError extends Error {
  override readonly name = "ConnectionClosedError";
}
/** Consuming another connection's exclusive queue. */
export class ExclusiveQueueError extends Error {
  override readonly name = "ExclusiveQueueError";
}

/** What a publisher hands the broker. */
export interface OutgoingMessage {
  readonly body: Uint8Array;
  readonly messageId: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** Who published it, as the broker authenticated them. */
  readonly publisher: string | undefined;
  /** Set when the message is itself a dead letter. */
  readonly deadReason: string | undefined;
}

/** A message as one queue holds it. */
export interface QueuedMessage extends OutgoingMessage {
  /** The address it was published to; dead-lettering keeps it, as RabbitMQ keeps the routing key. */
  readonly address: string;
  /** How many times this queue has handed it to a consumer. */
  readonly deliveryCount: number;
}

interface StoredMessage extends QueuedMessage {
  deliveryCount: number;
  deadReason: string | undefined;
}

/** One hand-over of a message to a consumer, until it is settled. */
export interface BrokerDelivery {
  readonly tag: number;
  readonly queue: string;
  readonly message: QueuedMessage;
  readonly redelivered: boolean;
  readonly deliveryCount: number;
}

export interface QueueOptions {
  /** Deliveries of one message at most; a message returned after its last one is dead-lettered. */
  deliveryLimit?: number;
  /** Where rejected and over-limit messages go; without it they are dropped (and counted). */
  deadLetterQueue?: string;
  /**
   * The connection that owns the queue, as RabbitMQ's exclusive auto-delete queues: only it
   * consumes, and the queue is deleted when its last consumer is cancelled or the connection closes.
   */
  exclusiveTo?: ConnectionHandle;
}

export interface QueueCounters {
  /** Messages that entered by publish (fault duplicates not included). */
  published: number;
  /** Extra copies made by the duplicate fault. */
  duplicatedByFault: number;
  /** Hand-overs to consumers, redeliveries included. */
  delivered: number;
  redelivered: number;
  acked: number;
  /** Returned to the queue: nack with requeue, or the consumer's connection closed. */
  requeued: number;
  /** Messages that entered this queue as dead letters. */
  deadLettered: number;
  /** Messages this queue dead-lettered (rejected, or over the delivery limit). */
  deadLetteredOut: number;
  /** Dead letters lost because the queue has no dead-letter queue. */
  dropped: number;
}

export interface QueueInfo extends QueueCounters {
  name: string;
  /** Ready to deliver. */
  ready: number;
  /** Held in transit by a fault, or waiting out a delayed requeue. */
  delayed: number;
  /** Delivered and not yet settled. */
  unacked: number;
  consumers: number;
  deliveryLimit: number | undefined;
}

export type BrokerStats = QueueCounters & { ready: number; delayed: number; unacked: number };

export interface ConnectionHandle {
  readonly id: number;
}

interface Connection extends ConnectionHandle {
  open: boolean;
  readonly consumers: Set<Consumer>;
}

interface Consumer {
  readonly tag: number;
  readonly queue: Queue;
  readonly connection: Connection;
  readonly prefetch: number;
  readonly inFlight: Set<number>;
  active: boolean;
  readonly onDelivery: (delivery: BrokerDelivery) => void;
}

interface Queue {
  readonly name: string;
  readonly options: QueueOptions;
  readonly ready: Deque<StoredMessage>;
  delayed: number;
  unacked: number;
  readonly consumers: Consumer[];
  cursor: number;
  pump: Timer | undefined;
  readonly counters: QueueCounters;
}

interface Held {
  readonly message: StoredMessage;
  readonly consumer: Consumer;
}

function zeroCounters(): QueueCounters {
  return {
    published: 0,
    duplicatedByFault: 0,
    delivered: 0,
    redelivered: 0,
    acked: 0,
    requeued: 0,
    deadLettered: 0,
    deadLetteredOut: 0,
    dropped: 0,
  };
}

export interface MemoryBrokerOptions {
  clock: Clock;
  /** Seeds the faults; the broker draws from its own fork of it. */
  random: Random;
  /** Transit faults from the start (latency, reordering, duplication), per queue or on all. */
  faults?: TransitPlan;
}

export class MemoryBroker {
  readonly clock: Clock;
  /** The transit faults in force; change them at any time. */
  readonly faults: TransitInjector;
  private readonly transitWatchers = new Set<(message: QueuedMessage, fate: TransitFate) => void>();
  private readonly queues = new Map<string, Queue>();
  private readonly bindings = new BindingTable();
  private readonly held = new Map<number, Held>();
  private readonly connections = new Map<number, Connection>();
  private nextTag = 1;

  constructor(options: MemoryBrokerOptions) {
    this.clock = options.clock;
    this.faults = new TransitInjector(options.random.fork("memory-broker-faults"), options.faults);
  }

  // --- topology ---

  /** Creates the queue if missing, answering whether it did; an existing queue keeps its options. */
  declareQueue(name: string, options: QueueOptions = {}): boolean {
    if (this.queues.has(name)) return false;
    if (options.deliveryLimit !== undefined && !(Number.isInteger(options.deliveryLimit) && options.deliveryLimit >= 1)) {
      throw new RangeError(`deliveryLimit must be a whole number >= 1, got ${options.deliveryLimit}`);
    }
    this.queues.set(name, {
      name,
      options: { ...options },
      ready: new Deque(),
      delayed: 0,
      unacked: 0,
      consumers: [],
      cursor: 0,
      pump: undefined,
      counters: zeroCounters(),
    });
    return true;
  }

  hasQueue(name: string): boolean {
    return this.queues.has(name);
  }

  /** Removes a queue, its bindings and what it holds ready; deliveries in flight may still be settled. */
  deleteQueue(name: string): void {
    const queue = this.queues.get(name);
    if (!queue) return;
    this.queues.delete(name);
    this.bindings.unbindQueue(name);
    if (queue.pump !== undefined) this.clock.clearTimeout(queue.pump);
    queue.pump = undefined;
    for (const consumer of [...queue.consumers]) this.detach(consumer);
  }

  /** Messages published to an address matching the pattern reach the queue. Idempotent. */
  bind(queue: string, pattern: string): void {
    this.queueNamed(queue);
    this.bindings.bind(queue, pattern);
  }

  // --- publishing ---

  /**
   * Routes a message to every queue bound to the address; resolves the caller's confirm by returning.
   * Throws UnroutableError when no queue is bound, so a message never vanishes unseen.
   */
  publish(address: string, message: OutgoingMessage): void {
    const targets = this.bindings.route(address);
    if (targets.length === 0) throw new UnroutableError(`no queue is bound to ${address}`);
    for (const name of targets) {
      const queue = this.queueNamed(name);
      queue.counters.published++;
      // A subscriber's own copy takes no transit fault: faults are drawn for the shared queues only,
      // so a subscriber coming or going leaves every seeded draw, and so every run, as it was.
      const fate = queue.options.exclusiveTo === undefined ? this.faults.fate(name) : NO_FATE;
      const entering: StoredMessage = { ...message, address, deliveryCount: 0 };
      this.transit(queue, entering, fate);
      if (fate !== NO_FATE) for (const watch of this.transitWatchers) watch(entering, fate);
    }
  }

  /** Tells of every message entering a queue while transit faults are in force, with what they do to it. */
  watchTransit(watch: (message: QueuedMessage, fate: TransitFate) => void): () => void {
    this.transitWatchers.add(watch);
    return () => this.transitWatchers.delete(watch);
  }

  // --- consuming ---

  openConnection(): ConnectionHandle {
    const connection: Connection = { id: this.nextTag++, open: true, consumers: new Set() };
    this.connections.set(connection.id, connection);
    return { id: connection.id };
  }

  /** Starts a consumer; onDelivery is called from a clock timer for each hand-over. Answers its tag. */
  consume(handle: ConnectionHandle, queueName: string, prefetch: number, onDelivery: (delivery: BrokerDelivery) => void): number {
    const connection = this.openConnectionOf(handle);
    const queue = this.queueNamed(queueName);
    const owner = queue.options.exclusiveTo;
    if (owner !== undefined && owner.id !== connection.id)
      throw new ExclusiveQueueError(`queue ${queueName} belongs to another connection`);
    if (!(Number.isInteger(prefetch) && prefetch >= 1)) throw new RangeError(`prefetch must be a whole number >= 1, got ${prefetch}`);
    const consumer: Consumer = { tag: this.nextTag++, queue, connection, prefetch, inFlight: new Set(), active: true, onDelivery };
    queue.consumers.push(consumer);
    connection.consumers.add(consumer);
    this.schedulePump(queue);
    return consumer.tag;
  }

  /** Stops handing messages to a consumer; what it holds stays held until settled or its connection closes. */
  cancel(handle: ConnectionHandle, consumerTag: number): void {
    const connection = this.connections.get(handle.id);
    const consumer = connection && [...connection.consumers].find((c) => c.tag === consumerTag);
    if (!consumer) return;
    this.detach(consumer);
    const queue = consumer.queue;
    if (queue.options.exclusiveTo !== undefined && queue.consumers.length === 0) this.deleteQueue(queue.name);
  }

  ack(tag: number): void {
    this.release(tag).consumer.queue.counters.acked++;
  }

  /** Gives a delivery back: requeued (after delayMs, at the tail) or, without requeue, dead-lettered. */
  nack(tag: number, options: { requeue?: boolean; delayMs?: number } = {}): void {
    const { message, consumer } = this.release(tag);
    if (options.requeue === false) this.deadLetter(consumer.queue, message, "rejected without requeue");
    else this.giveBack(consumer.queue, message, options.delayMs ?? 0);
  }

  /** A dropped connection: its consumers stop and everything it held returns to its queue as redelivered. */
  closeConnection(handle: ConnectionHandle): void {
    const connection = this.connections.get(handle.id);
    if (!connection?.open) return;
    connection.open = false;
    this.connections.delete(connection.id);
    const returned: [number, Held][] = [];
    for (const consumer of connection.consumers) {
      this.detach(consumer);
      for (const tag of consumer.inFlight) returned.push([tag, this.held.get(tag) as Held]);
    }
    // Back to the head in their original order, as RabbitMQ returns a closed channel's messages.
    returned.sort((a, b) => b[0] - a[0]);
    for (const [tag] of returned) {
      const { message, consumer } = this.release(tag);
      this.giveBack(consumer.queue, message, 0);
    }
    for (const queue of [...this.queues.values()]) if (queue.options.exclusiveTo?.id === connection.id) this.deleteQueue(queue.name);
  }

  // --- introspection ---

  queueNames(): string[] {
    return [...this.queues.keys()];
  }

  queueInfo(name: string): QueueInfo {
    const q = this.queueNamed(name);
    return {
      name,
      ready: q.ready.length,
      delayed: q.delayed,
      unacked: q.unacked,
      consumers: q.consumers.length,
      deliveryLimit: q.options.deliveryLimit,
      ...q.counters,
    };
  }

  /** Totals over every queue whose name starts with the prefix (all queues without one). */
  stats(prefix = ""): BrokerStats {
    const total: BrokerStats = { ...zeroCounters(), ready: 0, delayed: 0, unacked: 0 };
    for (const q of this.queues.values()) {
      if (!q.name.startsWith(prefix)) continue;
      for (const key of Object.keys(q.counters) as (keyof QueueCounters)[]) total[key] += q.counters[key];
      total.ready += q.ready.length;
      total.delayed += q.delayed;
      total.unacked += q.unacked;
    }
    return total;
  }

  // --- internals ---

  private queueNamed(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new UnknownQueueError(`no queue named ${name}`);
    return queue;
  }

  private openConnectionOf(handle: ConnectionHandle): Connection {
    const connection = this.connections.get(handle.id);
    if (!connection?.open) throw new ConnectionClosedError(`connection ${handle.id} is closed`);
    return connection;
  }

  /** The way into a queue from outside: faults may hold the message in transit and send a copy after it. */
  private transit(queue: Queue, message: StoredMessage, fate: TransitFate): void {
    const holdMs = fate.latencyMs + fate.holdMs;
    this.arriveAfter(queue, message, holdMs);
    if (fate.duplicateLagMs !== undefined) {
      queue.counters.duplicatedByFault++;
      this.arriveAfter(queue, { ...message }, holdMs + fate.duplicateLagMs);
    }
  }

  private arriveAfter(queue: Queue, message: StoredMessage, delayMs: number, atHead = false): void {
    if (delayMs <= 0) {
      if (atHead) queue.ready.unshift(message);
      else queue.ready.push(message);
      this.schedulePump(queue);
      return;
    }
    queue.delayed++;
    this.clock.setTimeout(() => {
      queue.delayed--;
      queue.ready.push(message);
      this.schedulePump(queue);
    }, delayMs);
  }

  /** A returned message goes back (to the head at once, to the tail after a delay) unless it is over its limit. */
  private giveBack(queue: Queue, message: StoredMessage, delayMs: number): void {
    const limit = queue.options.deliveryLimit;
    if (limit !== undefined && message.deliveryCount >= limit) {
      this.deadLetter(queue, message, DELIVERY_LIMIT_REASON);
      return;
    }
    queue.counters.requeued++;
    this.arriveAfter(queue, message, delayMs, true);
  }

  private deadLetter(from: Queue, message: StoredMessage, reason: string): void {
    from.counters.deadLetteredOut++;
    const target = from.options.deadLetterQueue === undefined ? undefined : this.queues.get(from.options.deadLetterQueue);
    if (!target || target === from) {
      from.counters.dropped++;
      return;
    }
    target.counters.deadLettered++;
    this.arriveAfter(target, { ...message, deadReason: reason, deliveryCount: 0 }, 0);
  }

  private release(tag: number): Held {
    const held = this.held.get(tag);
    if (!held) throw new DeliveryNotHeldError(`delivery ${tag} is not held: settled already, or its connection closed`);
    this.held.delete(tag);
    held.consumer.inFlight.delete(tag);
    held.consumer.queue.unacked--;
    this.schedulePump(held.consumer.queue);
    return held;
  }

  private detach(consumer: Consumer): void {
    if (!consumer.active) return;
    consumer.active = false;
    const queue = consumer.queue;
    const i = queue.consumers.indexOf(consumer);
    if (i < 0) return;
    queue.consumers.splice(i, 1);
    if (queue.cursor > i) queue.cursor--;
  }

  private schedulePump(queue: Queue): void {
    if (queue.pump !== undefined || queue.ready.length === 0 || queue.consumers.length === 0) return;
    queue.pump = this.clock.setTimeout(() => {
      queue.pump = undefined;
      this.pump(queue);
    }, 0);
  }

  private pump(queue: Queue): void {
    for (;;) {
      if (queue.ready.length === 0) return;
      const consumer = this.nextConsumer(queue);
      if (!consumer) return;
      const message = queue.ready.shift() as StoredMessage;
      message.deliveryCount++;
      const tag = this.nextTag++;
      this.held.set(tag, { message, consumer });
      consumer.inFlight.add(tag);
      queue.unacked++;
      queue.counters.delivered++;
      const redelivered = message.deliveryCount > 1;
      if (redelivered) queue.counters.redelivered++;
      consumer.onDelivery({ tag, queue: queue.name, message, redelivered, deliveryCount: message.deliveryCount });
    }
  }

  /** Round-robin over the consumers with room under their prefetch. */
  private nextConsumer(queue: Queue): Consumer | undefined {
    const n = queue.consumers.length;
    for (let k = 0; k < n; k++) {
      const i = (queue.cursor + k) % n;
      const c = queue.consumers[i] as Consumer;
      if (c.active && c.inFlight.size < c.prefetch) {
        queue.cursor = (i + 1) % n;
        return c;
      }
    }
    return undefined;
  }
}
