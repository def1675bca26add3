import type { Clock, Timer } from "../ports/clock.ts";
import type { Delivery } from "../ports/transport.ts";

/** How the ack of one delivery goes wrong. */
export type AckFate = { kind: "drop"; ackWaitMs: number } | { kind: "delay"; delayMs: number; ackWaitMs: number };

/**
 * A delivery whose ack is lost or late. The handler believes it acknowledged; after the ack wait
 * the broker gives the message back to its queue (a requeue on the real delivery, as NATS does
 * when an ack wait expires), and whichever consumer takes it next sees a redelivery.
 */
export class LossyAckDelivery implements Delivery {
  private expiry: Timer | undefined;
  private expired = false;
  private settled = false;

  constructor(
    private readonly inner: Delivery,
    private readonly fate: AckFate,
    private readonly clock: Clock,
  ) {}

  get body() {
    return this.inner.body;
  }
  get messageId() {
    return this.inner.messageId;
  }
  get routeNodeId() {
    return this.inner.routeNodeId;
  }
  get routeKind() {
    return this.inner.routeKind;
  }
  get authenticatedUser() {
    return this.inner.authenticatedUser;
  }
  get headers() {
    return this.inner.headers;
  }
  get redelivered() {
    return this.inner.redelivered;
  }
  get deliveryCount() {
    return this.inner.deliveryCount;
  }
  get deadReason() {
    return this.inner.deadReason;
  }

  async ack(): Promise<void> {
    this.startAckWait();
    if (this.fate.kind === "drop") return;
    await this.clock.sleep(this.fate.delayMs);
    if (this.expired || this.settled) return; // the broker refuses an ack for a message it took back
    this.cancelAckWait();
    this.settled = true;
    await this.inner.ack();
  }

  async nack(options?: { requeue?: boolean; delayMs?: number }): Promise<void> {
    this.cancelAckWait();
    this.settled = true;
    await this.inner.nack(options);
  }

  async deadLetter(reason: string): Promise<void> {
    this.cancelAckWait();
    this.settled = true;
    await this.inner.deadLetter(reason);
  }

  private startAckWait(): void {
    if (this.expiry || this.settled) return;
    this.expiry = this.clock.setTimeout(() => {
      if (this.settled) return;
      this.expired = true;
      this.settled = true;
      this.inner.nack({ requeue: true }).catch(() => undefined);
    }, this.fate.ackWaitMs);
  }

  private cancelAckWait(): void {
    if (this.expiry) this.clock.clearTimeout(this.expiry);
    this.expiry = undefined;
  }
}
