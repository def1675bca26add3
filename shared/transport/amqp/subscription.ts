import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import type { Logger } from "../../log.ts";
import type { Clock } from "../../ports/clock.ts";
import type { Random } from "../../ports/random.ts";
import type { Delivery, DeliveryHandler, PublishOptions, Route, Source, Subscription } from "../../ports/transport.ts";
import { backoffDelay } from "../backoff.ts";
import { AckRun } from "./ackRun.ts";
import { type DeliveryFacts, FactsDelivery } from "../factsDelivery.ts";
import { REASON_HEADER, readDelivery } from "./delivery.ts";

/** What a consumer needs from the connection that owns it. */
export interface SubscriptionHost {
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  /** The live connection, or undefined while reconnecting. */
  currentModel(): ChannelModel | undefined;
  publish(route: Route, body: Uint8Array, options: PublishOptions): Promise<void>;
}

/** Broker-kept headers that must not travel with a message we dead-letter ourselves. */
const brokerHeader = /^x-(delivery-count|death|first-death-|last-death-)/;

/** What an ack answers: it is taken at once (sent with the next run of acks), so one promise serves them all. */
const TAKEN: Promise<void> = Promise.resolve();

/**
 * One delivery of a consumer, as a class: its facts and its channel, with the settling on the
 * prototype rather than four closures made for every message.
 */
class AmqpDelivery extends FactsDelivery {
  private settled = false;

  constructor(
    private readonly sub: AmqpSubscription,
    private readonly ch: Channel,
    private readonly acks: AckRun,
    private readonly msg: ConsumeMessage,
    facts: DeliveryFacts,
  ) {
    super(facts);
  }

  ack(): Promise<void> {
    this.settle("ack", true);
    return TAKEN;
  }

  async nack(options?: { requeue?: boolean; delayMs?: number }): Promise<void> {
    if (this.settled) return;
    const requeue = options?.requeue ?? true;
    // RabbitMQ has no delayed requeue: holding the message for the delay is the nearest thing.
    if (requeue && options?.delayMs && options.delayMs > 0) await this.sub.sleep(options.delayMs);
    this.settle("nack", false, requeue);
  }

  async deadLetter(reason: string): Promise<void> {
    if (this.settled) return;
    const { facts, msg } = this;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(facts.headers)) if (!brokerHeader.test(k) && k !== REASON_HEADER) headers[k] = v;
    const origin = typeof msg.fields.routingKey === "string" ? msg.fields.routingKey : this.sub.queue;
    await this.sub.publishDead({ to: "dead", reason, origin }, facts.body, {
      messageId: facts.messageId ?? `${this.sub.queue}:${String(msg.fields.deliveryTag)}`,
      headers,
    });
    this.settle("ack", true);
  }

  /** Acks, or nacks with or without requeue; only the first settling of a delivery counts. */
  private settle(what: string, ack: boolean, requeue = false): void {
    if (this.settled) return;
    this.settled = true;
    const tag = this.msg.fields.deliveryTag;
    try {
      if (ack) this.acks.ack(tag);
      else {
        this.acks.settledAlone(tag);
        this.ch.nack(this.msg, false, requeue);
      }
    } catch (err) {
      // The channel is gone; the broker puts the message back by itself.
      this.sub.droppedWithChannel(what, this.facts.messageId, err);
    }
    this.sub.onSettled();
  }
}

/**
 * One consumer on one queue, on a channel of its own (prefetch is per channel). The connection
 * re-attaches it after a reconnect; a channel lost on a live connection (queue deleted, channel
 * error) is re-opened with backoff. Deliveries remember their channel: an ack after a reconnect
 * is dropped, as the broker redelivers the message anyway.
 */
export class AmqpSubscription implements Subscription {
  private channel: Channel | undefined;
  /** The acks owed on `channel`: they die with it, as the broker then redelivers anyway. */
  private acks: AckRun | undefined;
  private consumerTag: string | undefined;
  private attaching = false;
  private stopped = false;
  private attempts = 0;
  private running = 0;
  private unsettled = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly host: SubscriptionHost,
    private readonly source: Source,
    readonly queue: string,
    private readonly handler: DeliveryHandler,
    private readonly prefetch: number,
    private readonly onStopped: (sub: AmqpSubscription) => void,
    /** Declares the queue on the channel first, on every attach: a queue of the subscriber's own dies with its connection. */
    private readonly declareOwn?: (ch: Channel) => Promise<void>,
  ) {}

  /** Opens a channel and starts consuming on this connection, unless already doing so. */
  async attach(model: ChannelModel): Promise<void> {
    if (this.stopped || this.attaching || this.channel) return;
    this.attaching = true;
    let ch: Channel | undefined;
    try {
      ch = await model.createChannel();
      const opened = ch;
      opened.on("error", (err: Error) => this.host.log.warn({ queue: this.queue, err: err.message }, "consumer channel error"));
      opened.on("close", () => this.onChannelClosed(opened));
      await opened.prefetch(this.prefetch, false);
      await this.declareOwn?.(opened);
      const acks = this.ackRunOf(opened);
      const { consumerTag } = await opened.consume(this.queue, (msg) => this.onMessage(opened, acks, msg), { noAck: false });
      if (this.stopped) {
        await opened.cancel(consumerTag).catch(() => {});
        await opened.close().catch(() => {});
        return;
      }
      this.channel = opened;
      this.acks = acks;
      this.consumerTag = consumerTag;
      this.attempts = 0;
      this.host.log.debug({ queue: this.queue }, "consuming");
    } catch (err) {
      this.host.log.warn({ queue: this.queue, err: (err as Error).message }, "could not consume; retrying");
      await ch?.close().catch(() => {});
      this.retryLater();
    } finally {
      this.attaching = false;
    }
  }

  private ackRunOf(ch: Channel): AckRun {
    const send = (tag: number, multiple: boolean) => {
      try {
        ch.ack({ fields: { deliveryTag: tag } } as ConsumeMessage, multiple);
      } catch (err) {
        // The channel is gone; the broker puts the messages back by itself.
        this.host.log.debug({ queue: this.queue, tag, err: (err as Error).message }, "ack dropped with its channel");
      }
    };
    return new AckRun(send, Math.max(1, this.prefetch >> 1));
  }

  private onChannelClosed(ch: Channel): void {
    if (this.channel !== ch) return;
    this.channel = undefined;
    this.acks = undefined;
    this.consumerTag = undefined;
    this.retryLater();
  }

  /** Re-attach on the same live connection; after a reconnect the connection re-attaches us itself. */
  private retryLater(): void {
    if (this.stopped) return;
    this.attempts++;
    this.host.clock.setTimeout(
      () => {
        const model = this.host.currentModel();
        if (model && !this.stopped) void this.attach(model);
      },
      backoffDelay(this.attempts, this.host.random),
    );
  }

  private onMessage(ch: Channel, acks: AckRun, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // The broker cancelled us (the queue was deleted): start over on a fresh channel.
      this.host.log.warn({ queue: this.queue }, "consumer cancelled by the broker");
      void ch.close().catch(() => {});
      return;
    }
    let delivery: Delivery;
    acks.delivered(msg.fields.deliveryTag);
    try {
      delivery = this.toDelivery(ch, acks, msg);
    } catch (err) {
      this.host.log.error({ queue: this.queue, err: (err as Error).message }, "unreadable delivery; rejecting");
      try {
        ch.nack(msg, false, false);
      } catch {}
      acks.settledAlone(msg.fields.deliveryTag);
      return;
    }
    this.running++;
    this.unsettled++;
    void this.run(delivery);
  }

  /** The handler on one delivery, as one promise; a handler that fails gives its delivery back. */
  private async run(delivery: Delivery): Promise<void> {
    try {
      await this.handler(delivery);
    } catch (err) {
      this.host.log.error({ queue: this.queue, messageId: delivery.messageId, err: (err as Error)?.message }, "handler failed; requeueing");
      await delivery.nack({ requeue: true }).catch(() => {});
    } finally {
      this.running--;
      this.maybeIdle();
    }
  }

  private toDelivery(ch: Channel, acks: AckRun, msg: ConsumeMessage): Delivery {
    return new AmqpDelivery(this, ch, acks, msg, readDelivery(msg, this.source));
  }

  /** A delivery of this consumer was settled. */
  onSettled(): void {
    this.unsettled--;
    this.maybeIdle();
  }

  droppedWithChannel(what: string, messageId: string | undefined, err: unknown): void {
    this.host.log.debug({ queue: this.queue, messageId, err: (err as Error).message }, `${what} dropped with its channel`);
  }

  sleep(ms: number): Promise<void> {
    return this.host.clock.sleep(ms);
  }

  publishDead(route: Route, body: Uint8Array, options: PublishOptions): Promise<void> {
    return this.host.publish(route, body, options);
  }

  private maybeIdle(): void {
    if (this.running > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
    // Once stopped and every delivery is settled, the channel has no more work.
    if (this.stopped && this.unsettled === 0 && this.channel) {
      const ch = this.channel;
      this.channel = undefined;
      this.acks?.flush();
      this.acks = undefined;
      void ch.close().catch(() => {});
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.onStopped(this);
    const ch = this.channel;
    if (ch && this.consumerTag) await ch.cancel(this.consumerTag).catch(() => {});
    if (this.running > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.maybeIdle();
  }

  /** Ends at once, with the connection: unsettled deliveries go back to the queue. */
  async abandon(): Promise<void> {
    this.stopped = true;
    const ch = this.channel;
    this.channel = undefined;
    // Acks already given go out first: only what was never settled goes back to the queue.
    this.acks?.flush();
    this.acks = undefined;
    await ch?.close().catch(() => {});
  }
}
