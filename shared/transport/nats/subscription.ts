import type { ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Subscription as CoreSubscription } from "@nats-io/transport-node";
import type { Logger } from "../../log.ts";
import type { Clock } from "../../ports/clock.ts";
import type { Random } from "../../ports/random.ts";
import type { Delivery, DeliveryHandler, PublishOptions, Route, Subscription } from "../../ports/transport.ts";
import { backoffDelay } from "../backoff.ts";
import type { DurableSource } from "../routing.ts";
import { type DeadLetterHost, listenForDeliveryLimit } from "./deadLetters.ts";
import { type DeliveryFacts, FactsDelivery } from "../factsDelivery.ts";
import { carriedHeaders, readDelivery } from "./delivery.ts";
import { readSubject, sourceConsumer } from "./topology.ts";

export interface NatsSubscriptionHost extends DeadLetterHost {
  readonly js: JetStreamClient;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  publish(route: Route, body: Uint8Array, options: PublishOptions): Promise<void>;
}

/** What an ack answers: a plain ack is sent at once and not confirmed, so one promise serves them all. */
const TAKEN: Promise<void> = Promise.resolve();

/**
 * One delivery of a subscriber, as a class: its facts and its message, with the settling on the
 * prototype rather than three closures made for every message.
 */
class NatsDelivery extends FactsDelivery {
  constructor(
    private readonly sub: NatsSubscription,
    private readonly m: JsMsg,
    facts: DeliveryFacts,
  ) {
    super(facts);
  }

  // A plain ack, as AMQP's: not confirmed by the server. One lost with its connection brings the
  // message back after the ack wait, which the protocol absorbs; confirming each would cost a round trip.
  ack(): Promise<void> {
    try {
      if (this.sub.settle(this.m)) this.m.ack();
      return TAKEN;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async nack(options?: { requeue?: boolean; delayMs?: number }): Promise<void> {
    if (options?.requeue === false) return this.deadLetter("rejected without requeue");
    if (!this.sub.settle(this.m)) return;
    this.m.nak(options?.delayMs && options.delayMs > 0 ? options.delayMs : undefined);
  }

  async deadLetter(reason: string): Promise<void> {
    if (!this.sub.isUnsettled(this.m)) return;
    await this.sub.publishDead(this.m, this.facts, reason);
    await this.ack();
  }
}

/**
 * One subscriber of a durable pull consumer. consume() already re-pulls after a reconnect; when its
 * iterator ends anyway (consumer deleted and back, connection trouble) the loop starts it again with
 * backoff. At most `prefetch` deliveries are unsettled at once: the loop takes the next message only
 * when a slot is free, and consume() pulls more only as the loop takes them.
 */
export class NatsSubscription implements Subscription {
  private stopped = false;
  private messages: ConsumerMessages | undefined;
  private readonly unsettled = new Set<JsMsg>();
  private running = 0;
  private slotWaiter: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly advisories: CoreSubscription;
  private readonly loop: Promise<void>;
  /** Resolves once the first consume() is under way; rejects when the consumer cannot be had. */
  readonly started: Promise<void>;
  private resolveStarted: () => void = () => {};
  private rejectStarted: (err: Error) => void = () => {};
  private readonly stream: string;
  private readonly consumer: string;

  constructor(
    private readonly host: NatsSubscriptionHost,
    private readonly source: DurableSource,
    private readonly handler: DeliveryHandler,
    private readonly prefetch: number,
    private readonly onStopped: (sub: NatsSubscription) => void,
  ) {
    const { stream, consumer } = sourceConsumer(host.names, source);
    this.stream = stream;
    this.consumer = consumer;
    this.advisories = listenForDeliveryLimit(host, stream, consumer);
    this.started = new Promise<void>((resolve, reject) => {
      this.resolveStarted = resolve;
      this.rejectStarted = reject;
    });
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let attempt = 0;
    let first = true;
    while (!this.stopped) {
      try {
        const consumer = await this.host.js.consumers.get(this.stream, this.consumer);
        const messages = await consumer.consume({ max_messages: this.prefetch });
        this.messages = messages;
        if (first) this.resolveStarted();
        first = false;
        if (this.stopped) await messages.close();
        for await (const m of messages) {
          attempt = 0;
          await this.freeSlot();
          if (this.stopped) {
            // Bought but not handed out: give it back at once instead of after the ack wait.
            m.nak();
            continue;
          }
          this.dispatch(m);
        }
      } catch (err) {
        if (first) {
          this.rejectStarted(new Error(`cannot consume ${this.stream}/${this.consumer}: ${(err as Error).message}`));
          return;
        }
        this.host.log.warn({ stream: this.stream, consumer: this.consumer, err: (err as Error).message }, "consume ended");
      }
      if (this.stopped) break;
      attempt++;
      await this.host.clock.sleep(backoffDelay(attempt, this.host.random)).catch(() => {});
    }
  }

  private async freeSlot(): Promise<void> {
    while (!this.stopped && this.unsettled.size >= this.prefetch) {
      await new Promise<void>((resolve) => {
        this.slotWaiter = resolve;
      });
    }
  }

  private wakeLoop(): void {
    const w = this.slotWaiter;
    this.slotWaiter = undefined;
    w?.();
  }

  private dispatch(m: JsMsg): void {
    let delivery: Delivery;
    try {
      delivery = this.toDelivery(m);
    } catch (err) {
      this.host.log.error({ stream: this.stream, err: (err as Error).message }, "unreadable delivery; terminating it");
      m.term("unreadable");
      return;
    }
    this.running++;
    void this.handle(delivery);
  }

  /** The handler on one delivery, as one promise; a handler that fails gives its delivery back. */
  private async handle(delivery: Delivery): Promise<void> {
    try {
      await this.handler(delivery);
    } catch (err) {
      this.host.log.error(
        { stream: this.stream, messageId: delivery.messageId, err: (err as Error)?.message },
        "handler failed; requeueing",
      );
      await delivery.nack({ requeue: true }).catch(() => {});
    } finally {
      this.running--;
      if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private toDelivery(m: JsMsg): Delivery {
    const delivery = new NatsDelivery(this, m, readDelivery(this.host.names, m, this.source));
    this.unsettled.add(m);
    return delivery;
  }

  /** Marks a delivery settled, freeing its slot; false when it already was. */
  settle(m: JsMsg): boolean {
    if (!this.unsettled.delete(m)) return false;
    this.wakeLoop();
    return true;
  }

  isUnsettled(m: JsMsg): boolean {
    return this.unsettled.has(m);
  }

  /** Publishes a delivery's message to the dead letters, with the reason; settling it is the caller's. */
  publishDead(m: JsMsg, facts: DeliveryFacts, reason: string): Promise<void> {
    return this.host.publish({ to: "dead", reason, origin: readSubject(this.host.names, m.subject).address }, facts.body, {
      messageId: facts.messageId ?? `${this.stream}:${m.info.streamSequence}`,
      headers: carriedHeaders(facts.headers),
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.onStopped(this);
    this.advisories.unsubscribe();
    this.wakeLoop();
    await this.messages?.close().catch(() => {});
    await this.loop;
    if (this.running > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Ends with the connection. Unsettled deliveries are left to the ack wait: a nak now would reach
   * nats-server while this client's pull request is still pending there, and the server, finding no
   * one listening, takes the delivery back uncounted (deliveryCount 1 again, redelivered false).
   */
  async abandon(): Promise<void> {
    this.unsettled.clear();
    this.stopped = true;
    this.advisories.unsubscribe();
    this.wakeLoop();
    await this.messages?.close().catch(() => {});
  }
}
