import { randomUUID } from "node:crypto";
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type Message, type RecoveringChannelModel } from "amqplib";
import type { Logger } from "../../log.ts";
import type { Clock, Timer } from "../../ports/clock.ts";
import type { Random } from "../../ports/random.ts";
import {
  BrokerRefusedError,
  type ConsumeOptions,
  type DeliveryHandler,
  type PublishOptions,
  type Route,
  type Source,
  type Subscription,
  type Transport,
  TransportClosedError,
  UnroutableError,
} from "../../ports/transport.ts";
import { backoffDelay, redactUrl } from "../backoff.ts";
import type { Topology } from "../routing.ts";
import { declareTopology } from "./declare.ts";
import { REASON_HEADER } from "./delivery.ts";
import { AmqpSubscription } from "./subscription.ts";
import { type AmqpNames, amqpNames, beatsQueueOptions, publishTarget, sourceQueue } from "./topology.ts";

export interface AmqpTransportOptions {
  url: string;
  prefix: string;
  clock: Clock;
  random: Random;
  log: Logger;
  /** Deliveries of one message, the first included, before the broker dead-letters it. Default 10. */
  deliveryLimit?: number;
  /** How long a publish or declare waits for a connection and a confirm, in all. Default 30 s. */
  publishTimeoutMs?: number;
  /** Attempts at the first connection before giving up. Default 10. */
  connectRetries?: number;
  /** Shown by `rabbitmqctl list_connections client_properties`; lets an operator close this one connection. */
  connectionName?: string;
  /** AMQP heartbeat: how fast a silently dead connection is noticed. Default 10 s. */
  heartbeatSeconds?: number;
  /** Default prefetch of consume(). Default 256. */
  prefetch?: number;
}

const refusalCodes = new Set([403, 404, 406]);

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
  timer: Timer;
}

/**
 * RabbitMQ through amqplib 2.x. amqplib's opt-in `recovery` reconnects the connection with backoff
 * and runs `setup` on every new connection; it does not bring channels back, so setup re-declares
 * the topology, opens the confirm channel for publishing and re-attaches every consumer.
 */
export class AmqpTransport implements Transport {
  readonly name = "amqp" as const;
  readonly names: AmqpNames;
  private recovering: RecoveringChannelModel | undefined;
  private model: ChannelModel | undefined;
  private publisher: ConfirmChannel | undefined;
  private publisherOpening: Promise<ConfirmChannel> | undefined;
  /** Why each publisher channel was closed by the broker, to tell a refusal from a lost connection. */
  private readonly channelErrors = new WeakMap<ConfirmChannel, Error>();
  /** Messages the broker returned as unroutable, counted by exchange + routing key + messageId. */
  private readonly returned = new Map<string, number>();
  private backpressure: Promise<void> | undefined;
  private readonly topologies: Topology[] = [];
  private readonly subscriptions = new Set<AmqpSubscription>();
  private waiters: Waiter[] = [];
  private closed = false;
  private readonly deliveryLimit: number;
  private readonly publishTimeoutMs: number;
  private readonly userId: string;

  constructor(private readonly options: AmqpTransportOptions) {
    this.names = amqpNames(options.prefix);
    this.deliveryLimit = options.deliveryLimit ?? 10;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
    // RabbitMQ checks a message's user-id against the connection's user, which makes it the
    // publisher's authenticated identity on the consumer's side.
    this.userId = safeUsername(options.url);
  }

  get clock(): Clock {
    return this.options.clock;
  }
  get random(): Random {
    return this.options.random;
  }
  get log(): Logger {
    return this.options.log;
  }

  /** Opens the connection; rejects, naming the URL, when the broker stays unreachable. */
  async connect(): Promise<void> {
    const { url, random, log } = this.options;
    const heartbeat = this.options.heartbeatSeconds ?? 10;
    const target = new URL(url);
    if (!target.searchParams.has("heartbeat")) target.searchParams.set("heartbeat", String(heartbeat));
    const recovering = await amqp.connect(target.toString(), {
      clientProperties: { connection_name: this.options.connectionName ?? `qnet-${this.options.prefix}` },
      recovery: {
        initialMaxRetries: this.options.connectRetries ?? 10,
        maxRetries: Number.POSITIVE_INFINITY,
        waitForConnect: false,
        calculateDelay: (attempt) => backoffDelay(attempt, random),
        setup: (model: ChannelModel) => this.setup(model),
      },
    });
    this.recovering = recovering;
    recovering.on("error", (err: Error) => log.warn({ err: err.message }, "amqp connection error"));
    recovering.on("disconnect", (err: Error) => this.onDisconnect(err));
    recovering.on("reconnect-scheduled", (info: { attempt: number; delay: number; error: Error }) =>
      log.info({ attempt: info.attempt, delayMs: info.delay, err: info.error?.message }, "amqp reconnect scheduled"),
    );
    recovering.on("connect", () => log.info({ url: redactUrl(url) }, "amqp connected"));
    try {
      await recovering.waitForConnect();
    } catch (err) {
      await recovering.close().catch(() => {});
      throw new Error(`RabbitMQ at ${redactUrl(url)} could not be reached: ${(err as Error).message}`);
    }
  }

  /** Runs on every new connection, before anyone else may use it. */
  private async setup(model: ChannelModel): Promise<void> {
    model.on("error", () => {});
    for (const topology of this.topologies) await declareTopology(model, this.names, this.deliveryLimit, topology);
    this.model = model;
    for (const w of this.waiters.splice(0)) {
      this.clock.clearTimeout(w.timer);
      w.resolve();
    }
    for (const sub of this.subscriptions) void sub.attach(model);
  }

  private onDisconnect(err: Error): void {
    this.log.warn({ err: err.message }, "amqp disconnected; reconnecting");
    this.model = undefined;
    this.publisher = undefined;
    this.publisherOpening = undefined;
    this.backpressure = undefined;
    this.returned.clear();
  }

  connected(): boolean {
    return this.model !== undefined && !this.closed;
  }

  currentModel(): ChannelModel | undefined {
    return this.model;
  }

  /** A live connection, waiting for the reconnect until the deadline. */
  private async liveModel(deadline: number): Promise<ChannelModel> {
    for (;;) {
      if (this.closed) throw new TransportClosedError("transport closed");
      if (this.model) return this.model;
      const wait = deadline - this.clock.now();
      if (wait <= 0) throw new Error(`RabbitMQ at ${redactUrl(this.options.url)} not reachable for ${this.publishTimeoutMs} ms`);
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          reject,
          timer: this.clock.setTimeout(() => {
            this.waiters = this.waiters.filter((w) => w !== waiter);
            resolve();
          }, wait),
        };
        this.waiters.push(waiter);
      });
    }
  }

  async declare(topology: Topology): Promise<void> {
    const deadline = this.clock.now() + this.publishTimeoutMs;
    for (;;) {
      const model = await this.liveModel(deadline);
      try {
        await declareTopology(model, this.names, this.deliveryLimit, topology);
        this.topologies.push(topology);
        return;
      } catch (err) {
        if (refusalCodes.has(codeOf(err) ?? 0))
          throw new BrokerRefusedError(`declaring ${topology.role} topology: ${(err as Error).message}`);
        if (this.model === model) throw err;
        // The connection dropped mid-way: declare again on the next one.
      }
    }
  }

  private async publisherChannel(deadline: number): Promise<ConfirmChannel> {
    for (;;) {
      const model = await this.liveModel(deadline);
      if (this.publisher) return this.publisher;
      this.publisherOpening ??= this.openPublisher(model);
      try {
        return await this.publisherOpening;
      } catch (err) {
        this.publisherOpening = undefined;
        if (this.model === model) throw err;
      }
    }
  }

  private async openPublisher(model: ChannelModel): Promise<ConfirmChannel> {
    const ch = await model.createConfirmChannel();
    ch.on("error", (err: Error) => {
      this.channelErrors.set(ch, err);
      this.log.warn({ err: err.message }, "amqp publisher channel error");
    });
    ch.on("close", () => {
      if (this.publisher === ch) {
        this.publisher = undefined;
        this.publisherOpening = undefined;
        this.backpressure = undefined;
      }
    });
    ch.on("return", (msg: Message) => {
      const key = returnKey(msg.fields.exchange, msg.fields.routingKey, msg.properties.messageId);
      this.returned.set(key, (this.returned.get(key) ?? 0) + 1);
    });
    if (this.model === model) this.publisher = ch;
    return ch;
  }

  private takeReturned(key: string): boolean {
    const n = this.returned.get(key);
    if (!n) return false;
    if (n === 1) this.returned.delete(key);
    else this.returned.set(key, n - 1);
    return true;
  }

  /**
   * Resolves once the broker confirmed the message to a queue. Mandatory publishing makes an
   * unroutable message an UnroutableError instead of a silent drop. While the connection is down
   * the publish waits, bounded, and is sent again on the next connection; a resend carries the same
   * messageId, so at worst the consumer sees a duplicate, which the protocol absorbs.
   */
  async publish(route: Route, body: Uint8Array, options: PublishOptions): Promise<void> {
    const { exchange, routingKey } = publishTarget(this.names, route);
    const headers: Record<string, string> = { ...options.headers };
    if (route.to === "dead") headers[REASON_HEADER] = route.reason;
    const content = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const properties = {
      persistent: true,
      mandatory: true,
      contentType: "application/json",
      messageId: options.messageId,
      userId: this.userId,
      headers,
    };
    const key = returnKey(exchange, routingKey, options.messageId);
    const deadline = this.clock.now() + this.publishTimeoutMs;
    for (;;) {
      const ch = await this.publisherChannel(deadline);
      if (this.backpressure) await this.backpressure;
      try {
        await new Promise<void>((resolve, reject) => {
          const written = ch.publish(exchange, routingKey, content, properties, (err) => {
            if (this.takeReturned(key)) reject(new UnroutableError(`no queue bound to ${exchange} with routing key ${routingKey}`));
            else if (err) reject(this.channelErrors.get(ch) ?? err);
            else resolve();
          });
          if (!written && !this.backpressure) {
            this.backpressure = new Promise<void>((r) => {
              const done = () => {
                this.backpressure = undefined;
                ch.off("drain", done);
                ch.off("close", done);
                r();
              };
              ch.once("drain", done);
              ch.once("close", done);
            });
          }
        });
        return;
      } catch (err) {
        if (err instanceof UnroutableError) throw err;
        if (refusalCodes.has(codeOf(err) ?? 0)) throw new BrokerRefusedError(`publishing to ${exchange}: ${(err as Error).message}`);
        if ((err as Error).message === "message nacked")
          throw new BrokerRefusedError(`broker refused the message to ${exchange} ${routingKey}`);
        if (this.closed) throw err;
        this.log.debug({ messageId: options.messageId, err: (err as Error).message }, "publish lost with its channel; resending");
      }
    }
  }

  async consume(source: Source, handler: DeliveryHandler, options?: ConsumeOptions): Promise<Subscription> {
    if (this.closed) throw new TransportClosedError("transport closed");
    const prefetch = options?.prefetch ?? this.options.prefetch ?? 256;
    const stopped = (s: AmqpSubscription) => this.subscriptions.delete(s);
    let sub: AmqpSubscription;
    if (source.from === "heartbeats") {
      const queue = this.names.beatsQueue(randomUUID());
      const declareOwn = async (ch: Channel) => {
        await ch.assertQueue(queue, beatsQueueOptions);
        await ch.bindQueue(queue, this.names.resultsExchange, "heartbeat.*");
      };
      sub = new AmqpSubscription(this, source, queue, handler, prefetch, stopped, declareOwn);
    } else {
      sub = new AmqpSubscription(this, source, sourceQueue(this.names, source), handler, prefetch, stopped);
    }
    this.subscriptions.add(sub);
    if (this.model) await sub.attach(this.model);
    return sub;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.model = undefined;
    for (const w of this.waiters.splice(0)) {
      this.clock.clearTimeout(w.timer);
      w.reject(new TransportClosedError("transport closed"));
    }
    for (const sub of this.subscriptions) await sub.abandon();
    this.subscriptions.clear();
    await this.recovering?.close().catch(() => {});
  }
}

function returnKey(exchange: string, routingKey: string, messageId: unknown): string {
  return `${exchange}\u0000${routingKey}\u0000${typeof messageId === "string" ? messageId : ""}`;
}

function codeOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

function safeUsername(url: string): string {
  try {
    return decodeURIComponent(new URL(url).username) || "guest";
  } catch {
    return "guest";
  }
}

/** Connects to RabbitMQ; rejects with the URL in the message when it cannot be reached. */
export async function connectAmqp(options: AmqpTransportOptions): Promise<AmqpTransport> {
  const transport = new AmqpTransport(options);
  await transport.connect();
  return transport;
}
