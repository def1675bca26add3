import type { Clock } from "../../shared/ports/clock.ts";
import type { Delivery, DeliveryHandler } from "../../shared/ports/transport.ts";
import type { TransitFaults } from "./transit.ts";

/** Consumer-side faults in force at one participant. */
export interface ConsumerFaults {
  dropBeforeAck?: { probability: number; ackWaitMs: number };
  ackDelay?: { probability: number; delayMs: number; ackWaitMs: number };
  nackStorm?: { probability: number };
}

type Direction = "publish" | "consume";

/**
 * The faults in force right now, as the fault schedule switches them on and off. The wrappers
 * around the ports (Transport, Delivery, Clock) read it on every call, so a fault starts and
 * heals mid-run without restarting anyone.
 */
export class FaultBoard {
  private readonly consumer = new Map<string, ConsumerFaults>();
  private readonly partitions = new Map<string, Set<Direction>>();
  private readonly healWaiters = new Map<string, (() => void)[]>();
  private readonly skews = new Map<string, number>();
  private readonly mirrors = new Map<string, DeliveryHandler>();
  /** Latency, reordering and duplication on the publish path, where the broker cannot inject them (RabbitMQ, NATS). */
  transit: TransitFaults = {};

  constructor(readonly clock: Clock) {}

  /** Faults at "hub" or at a node id; a fault set on "nodes" applies to every node. */
  consumerFaults(who: string): ConsumerFaults {
    return { ...(who === "hub" ? {} : this.consumer.get("nodes")), ...this.consumer.get(who) };
  }

  setConsumerFault<K extends keyof ConsumerFaults>(target: string, key: K, value: ConsumerFaults[K] | undefined): void {
    const faults = { ...this.consumer.get(target) };
    if (value === undefined) delete faults[key];
    else faults[key] = value;
    this.consumer.set(target, faults);
  }

  partitioned(nodeId: string, direction: Direction): boolean {
    return this.partitions.get(nodeId)?.has(direction) ?? false;
  }

  partition(nodeId: string, directions: readonly Direction[]): void {
    this.partitions.set(nodeId, new Set(directions));
  }

  heal(nodeId: string): void {
    this.partitions.delete(nodeId);
    for (const wake of this.healWaiters.get(nodeId) ?? []) wake();
    this.healWaiters.delete(nodeId);
  }

  /** Resolves when the node can consume again. */
  async consumable(nodeId: string): Promise<void> {
    if (!this.partitioned(nodeId, "consume")) return;
    await new Promise<void>((wake) => {
      const list = this.healWaiters.get(nodeId) ?? [];
      list.push(wake);
      this.healWaiters.set(nodeId, list);
    });
  }

  skewOf(nodeId: string): number {
    return this.skews.get(nodeId) ?? 0;
  }

  setSkew(nodeId: string, offsetMs: number): void {
    this.skews.set(nodeId, offsetMs);
  }

  /** A second agent of the node gets a copy of every delivery the first one takes. */
  mirror(nodeId: string, handler: DeliveryHandler | undefined): void {
    if (handler) this.mirrors.set(nodeId, handler);
    else this.mirrors.delete(nodeId);
  }

  mirrorOf(nodeId: string): DeliveryHandler | undefined {
    return this.mirrors.get(nodeId);
  }
}

/** A copy of a delivery for a mirrored consumer: settling it does nothing, the original is settled by its own consumer. */
export function mirroredCopy(d: Delivery): Delivery {
  return {
    body: d.body,
    messageId: d.messageId,
    routeNodeId: d.routeNodeId,
    routeKind: d.routeKind,
    authenticatedUser: d.authenticatedUser,
    headers: d.headers,
    redelivered: d.redelivered,
    deliveryCount: d.deliveryCount,
    deadReason: d.deadReason,
    ack: async () => {},
    nack: async () => {},
    deadLetter: async () => {},
  };
}
