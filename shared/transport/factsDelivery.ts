import type { Delivery } from "../ports/transport.ts";

/** What a delivery shows of itself, read once from the broker's message: all but its settling. */
export type DeliveryFacts = Omit<Delivery, "ack" | "nack" | "deadLetter">;

/**
 * A delivery as a class: its facts behind getters on the prototype, its settling left to each
 * broker's subclass, so that no closure or spread copy is made for every message.
 */
export abstract class FactsDelivery implements Delivery {
  constructor(protected readonly facts: DeliveryFacts) {}

  get body() {
    return this.facts.body;
  }
  get messageId() {
    return this.facts.messageId;
  }
  get routeNodeId() {
    return this.facts.routeNodeId;
  }
  get routeKind() {
    return this.facts.routeKind;
  }
  get authenticatedUser() {
    return this.facts.authenticatedUser;
  }
  get headers() {
    return this.facts.headers;
  }
  get redelivered() {
    return this.facts.redelivered;
  }
  get deliveryCount() {
    return this.facts.deliveryCount;
  }
  get deadReason() {
    return this.facts.deadReason;
  }

  abstract ack(): Promise<void>;
  abstract nack(options?: { requeue?: boolean; delayMs?: number }): Promise<void>;
  abstract deadLetter(reason: string): Promise<void>;
}
