import type { Clock } from "../../shared/ports/clock.ts";
import type { Random } from "../../shared/ports/random.ts";
import type {
  ConsumeOptions,
  Delivery,
  DeliveryHandler,
  PublishOptions,
  Route,
  Source,
  Subscription,
  Transport,
} from "../../shared/ports/transport.ts";
import { type FaultBoard, mirroredCopy } from "./board.ts";
import { LossyAckDelivery } from "./delivery.ts";

/** What a faulty transport tells the run's history. */
export interface WireTap {
  /** A publish the broker confirmed. */
  published(who: string, route: Route, body: Uint8Array, messageId: string): void;
  /** A delivery handed to the participant's handler, and when its handler settled it. */
  handled(who: string, delivery: Delivery, receivedAt: number, settledAt: number): void;
  /** A fault acted on a message. */
  faulted(who: string, what: string): void;
}

export class PartitionedError extends Error {
  override readonly name = "PartitionedError";
}

/**
 * One participant's transport with the faults of a FaultBoard around it: a partition refuses
 * publishes or holds deliveries back; a consumer may lose or delay acks, or bounce deliveries;
 * a twin agent consumes copies of what the first agent of its node takes. The broker underneath,
 * memory or real, does the redelivering itself.
 */
export class FaultyTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    /** "hub", or the node id of a node agent. */
    private readonly who: string,
    private readonly deps: { board: FaultBoard; clock: Clock; random: Random; tap: WireTap; twin?: boolean },
  ) {}

  get name(): Transport["name"] {
    return this.inner.name;
  }

  declare(topology: Parameters<Transport["declare"]>[0]): Promise<void> {
    return this.inner.declare(topology);
  }

  async publish(route: Route, body: Uint8Array, options: PublishOptions): Promise<void> {
    const { board, tap } = this.deps;
    if (this.who !== "hub" && board.partitioned(this.who, "publish")) {
      tap.faulted(this.who, "publish refused by a partition");
      throw new PartitionedError(`node ${this.who} is partitioned from the broker`);
    }
    await this.inner.publish(route, body, options);
    tap.published(this.who, route, body, options.messageId);
  }

  async consume(source: Source, handler: DeliveryHandler, options?: ConsumeOptions): Promise<Subscription> {
    if (this.deps.twin && source.from === "node") {
      this.deps.board.mirror(source.nodeId, handler);
      return { stop: async () => this.deps.board.mirror(source.nodeId, undefined) };
    }
    return this.inner.consume(source, (d) => this.deliver(d, handler, source), options);
  }

  private async deliver(delivery: Delivery, handler: DeliveryHandler, source: Source): Promise<void> {
    const { board, clock, random, tap } = this.deps;
    await board.consumable(this.who);
    // A crashed participant's held deliveries die with it; the broker redelivers them to the next one.
    if (this.closed) return;
    const faults = board.consumerFaults(this.who);
    if (faults.nackStorm && random.chance(faults.nackStorm.probability)) {
      tap.faulted(this.who, "nacked unseen");
      await delivery.nack({ requeue: true });
      return;
    }
    let given: Delivery = delivery;
    if (faults.dropBeforeAck && random.chance(faults.dropBeforeAck.probability)) {
      tap.faulted(this.who, "ack dropped");
      given = new LossyAckDelivery(delivery, { kind: "drop", ackWaitMs: faults.dropBeforeAck.ackWaitMs }, clock);
    } else if (faults.ackDelay && random.chance(faults.ackDelay.probability)) {
      tap.faulted(this.who, "ack delayed");
      given = new LossyAckDelivery(delivery, { kind: "delay", ...faults.ackDelay }, clock);
    }
    const mirror = source.from === "node" ? board.mirrorOf(source.nodeId) : undefined;
    const receivedAt = clock.now();
    await Promise.all([handler(given), mirror?.(mirroredCopy(delivery))]);
    tap.handled(this.who, delivery, receivedAt, clock.now());
  }

  connected(): boolean {
    return this.inner.connected();
  }

  private closed = false;

  close(): Promise<void> {
    this.closed = true;
    return this.inner.close();
  }
}
