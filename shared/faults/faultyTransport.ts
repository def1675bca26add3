import type { Clock } from "../ports/clock.ts";
import type { Random } from "../ports/random.ts";
import type {
  ConsumeOptions,
  Delivery,
  DeliveryHandler,
  PublishOptions,
  Route,
  Source,
  Subscription,
  Transport,
} from "../ports/transport.ts";
import { TransportClosedError } from "../ports/transport.ts";
import type { ConsumerFaults, FaultBoard } from "./board.ts";
import type { DeliveryStrike, FaultReport } from "./kind.ts";
import { delayAck } from "./kinds/ackDelay.ts";
import { dropAck } from "./kinds/dropBeforeAck.ts";
import { PUBLISH_BLOCKED } from "./kinds/brokerAlarm.ts";
import { bounceUnseen } from "./kinds/nackStorm.ts";
import { DELIVERY_HELD, PartitionedError, PUBLISH_REFUSED } from "./kinds/partition.ts";
import { PUBLISH_NACKED, QueueFullError } from "./kinds/queueFull.ts";
import { MIRRORED, mirroredCopy } from "./kinds/twin.ts";

/** What a participant's port tells whoever watches it: what it published and handled, and what the faults did. */
export interface WireTap extends FaultReport {
  /** A publish the broker confirmed. */
  published(who: string, route: Route, body: Uint8Array, messageId: string): void;
  /** A delivery handed to the participant's handler, and when its handler settled it. */
  handled(who: string, delivery: Delivery, receivedAt: number, settledAt: number): void;
}

type Strikes = {
  [K in keyof ConsumerFaults]-?: { fault: K; effect: DeliveryStrike<NonNullable<ConsumerFaults[K]>> };
}[keyof ConsumerFaults];

/** The consumer-side faults in the order a delivery meets them; the first that strikes acts alone. */
const STRIKES: readonly Strikes[] = [
  { fault: "nackStorm", effect: bounceUnseen },
  { fault: "dropBeforeAck", effect: dropAck },
  { fault: "ackDelay", effect: delayAck },
];

/**
 * One participant's transport with the faults of a FaultBoard around it: a partition refuses
 * publishes or holds deliveries back; a consumer may lose or delay acks, or bounce deliveries;
 * a twin agent consumes copies of what the first agent of its node takes. The broker underneath,
 * memory or real, does the redelivering itself.
 */
export class FaultyTransport implements Transport {
  private closed = false;

  constructor(
    private readonly inner: Transport,
    /** "hub", or the node id of a node agent. */
    private readonly who: string,
    private readonly deps: { board: FaultBoard; clock: Clock; random: Random; tap: WireTap; twin?: boolean },
  ) {}

  get name(): string {
    return this.inner.name;
  }

  declare(topology: Parameters<Transport["declare"]>[0]): Promise<void> {
    return this.inner.declare(topology);
  }

  async publish(route: Route, body: Uint8Array, options: PublishOptions): Promise<void> {
    const { board, tap } = this.deps;
    if (this.who !== "hub" && board.partitioned(this.who, "publish")) {
      tap.faulted(this.who, PUBLISH_REFUSED);
      throw new PartitionedError(`node ${this.who} is partitioned from the broker`);
    }
    if (board.publishBlocked(this.who)) {
      tap.faulted(this.who, PUBLISH_BLOCKED);
      await board.publishable(this.who);
    }
    if (route.to === "node" && board.queueFull(route.nodeId)) {
      tap.faulted(this.who, PUBLISH_NACKED);
      throw new QueueFullError(`the queue of node ${route.nodeId} is full`);
    }
    await this.inner.publish(route, body, options);
    tap.published(this.who, route, body, options.messageId);
  }

  async consume(source: Source, handler: DeliveryHandler, options?: ConsumeOptions): Promise<Subscription> {
    if (this.deps.twin && source.from === "node") {
      this.deps.board.mirror(source.nodeId, handler);
      return { stop: async () => this.deps.board.mirror(source.nodeId, undefined) };
    }
    if (source.from === "heartbeats") return this.inner.consume(source, (d) => this.deliverCopy(d, handler), options);
    return this.inner.consume(source, (d) => this.deliver(d, handler, source), options);
  }

  /**
   * A heartbeat of the participant's own subscription: a partition holds it back and a crash loses
   * it, as any delivery; the consumer-side faults, which make the broker redeliver, do not strike
   * where the broker keeps nothing to redeliver, and it draws nothing from their stream.
   */
  private async deliverCopy(delivery: Delivery, handler: DeliveryHandler): Promise<void> {
    await this.deps.board.consumable(this.who);
    if (this.closed) return;
    await handler(this.settledWhileOpen(delivery));
  }

  private async deliver(delivery: Delivery, handler: DeliveryHandler, source: Source): Promise<void> {
    const { board, clock, tap } = this.deps;
    if (board.partitioned(this.who, "consume")) tap.faulted(this.who, DELIVERY_HELD);
    await board.consumable(this.who);
    // A crashed participant's held deliveries die with it; the broker redelivers them to the next one.
    if (this.closed) return;
    const given = this.strike(delivery);
    if (given === "bounce") {
      await delivery.nack({ requeue: true });
      return;
    }
    const mirror = source.from === "node" ? board.mirrorOf(source.nodeId) : undefined;
    if (mirror) tap.faulted(this.who, MIRRORED);
    const receivedAt = clock.now();
    await Promise.all([handler(this.settledWhileOpen(given)), mirror?.(mirroredCopy(delivery))]);
    tap.handled(this.who, delivery, receivedAt, clock.now());
  }

  /**
   * A delivery that cannot be settled once this participant's connection is gone, as after a
   * crash: a real client may still get an ack out while its connection closes, a dead process none.
   */
  private settledWhileOpen(delivery: Delivery): Delivery {
    const refused = () => Promise.reject(new TransportClosedError(`${this.who}'s connection closed: the delivery goes back to its queue`));
    return {
      body: delivery.body,
      messageId: delivery.messageId,
      routeNodeId: delivery.routeNodeId,
      routeKind: delivery.routeKind,
      authenticatedUser: delivery.authenticatedUser,
      headers: delivery.headers,
      redelivered: delivery.redelivered,
      deliveryCount: delivery.deliveryCount,
      deadReason: delivery.deadReason,
      ack: () => (this.closed ? refused() : delivery.ack()),
      nack: (options) => (this.closed ? refused() : delivery.nack(options)),
      deadLetter: (reason) => (this.closed ? refused() : delivery.deadLetter(reason)),
    };
  }

  /** The delivery the handler gets: the first consumer-side fault in force that strikes decides. */
  private strike(delivery: Delivery): Delivery | "bounce" {
    const { board, clock, random, tap } = this.deps;
    const faults = board.consumerFaults(this.who);
    for (const { fault, effect } of STRIKES) {
      const params = faults[fault];
      if (!params || !random.chance(params.probability)) continue;
      tap.faulted(this.who, effect.what);
      return (effect as DeliveryStrike<typeof params>).strike(delivery, params, clock);
    }
    return delivery;
  }

  connected(): boolean {
    return this.inner.connected();
  }

  close(): Promise<void> {
    this.closed = true;
    return this.inner.close();
  }
}
