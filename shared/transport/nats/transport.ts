import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../../log.ts";
import type { Clock } from "../../ports/clock.ts";
import type { Random } from "../../ports/random.ts";
import {
  type ConsumeOptions,
  type DeliveryHandler,
  type PublishOptions,
  type Route,
  type Source,
  type Subscription,
  type Transport,
  TransportClosedError,
} from "../../ports/transport.ts";
import { backoffDelay, redactUrl } from "../backoff.ts";
import type { Topology } from "../routing.ts";
import { type ConsumerSettings, declareStreams, deleteStreams } from "./declare.ts";
import { REASON_HEADER } from "./delivery.ts";
import { NatsBeats } from "./beats.ts";
import { NatsSubscription } from "./subscription.ts";
import { type NatsNames, natsNames, routeSubject } from "./topology.ts";

/** How long a delivery stays with a consumer that neither acks nor nacks it (one killed, say) before JetStream gives it to another. */
export const ACK_WAIT_MS = 30_000;

export interface NatsTransportOptions {
  /** One URL, or several comma-separated for a cluster. */
  url: string;
  user?: string;
  pass?: string;
  prefix: string;
  clock: Clock;
  random: Random;
  log: Logger;
  /** Deliveries of one message, the first included, before it is dead-lettered (max_deliver). Default 10. */
  deliveryLimit?: number;
  /** Ack wait of the durable consumers this transport creates. Default 30 s. */
  ackWaitMs?: number;
  /** How long a publish keeps trying to get a stored-ack. Default 30 s. */
  publishTimeoutMs?: number;
  /** Attempts at the first connection before giving up. Default 10. */
  connectRetries?: number;
  /** Client name the server shows for this connection. */
  connectionName?: string;
  /** Default prefetch of consume(). Default 256. */
  prefetch?: number;
}

/**
 * NATS JetStream through @nats-io/transport-node + @nats-io/jetstream v3. The client reconnects by
 * itself, for ever, and resubscribes core subscriptions; each consumer loop restarts consume() when
 * it ends. A publish to a node's subject is stored by the stream even when that node has no consumer
 * yet (the hub creates one for every node it knows), and waits there for it.
 */
export class NatsTransport implements Transport {
  readonly name = "nats" as const;
  readonly names: NatsNames;
  readonly js: JetStreamClient;
  private isConnected = true;
  private closed = false;
  private readonly subscriptions = new Set<NatsSubscription | NatsBeats>();
  private readonly settings: ConsumerSettings;
  private readonly publishTimeoutMs: number;

  private constructor(
    readonly nc: NatsConnection,
    readonly jsm: JetStreamManager,
    private readonly options: NatsTransportOptions,
  ) {
    this.names = natsNames(options.prefix);
    this.js = jetstream(nc);
    this.settings = {
      maxDeliveries: options.deliveryLimit ?? 10,
      ackWaitMs: options.ackWaitMs ?? ACK_WAIT_MS,
      maxAckPending: 20_000,
    };
    this.publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
    void this.watchStatus();
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

  /** Connects; rejects, naming the URL, when the server stays unreachable after the retries. */
  static async connect(options: NatsTransportOptions): Promise<NatsTransport> {
    const retries = options.connectRetries ?? 10;
    let lastError: unknown;
    for (let attempt = 1; attempt <= retries + 1; attempt++) {
      try {
        const nc = await connect({
          servers: options.url.split(",").map((s) => s.trim()),
          user: options.user,
          pass: options.pass,
          // A user's replies (pull deliveries, publish acks) come to inboxes under its own name, so the
          // server can let each user subscribe to its own replies and to no one else's (trust/nats.ts).
          ...(options.user ? { inboxPrefix: userInboxPrefix(options.user) } : {}),
          name: options.connectionName ?? `qnet-${options.prefix}`,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
        });
        const jsm = await jetstreamManager(nc).catch(async (err: unknown) => {
          await nc.close();
          throw err;
        });
        options.log.info({ url: redactUrl(options.url) }, "nats connected");
        return new NatsTransport(nc, jsm, options);
      } catch (err) {
        lastError = err;
        if (attempt <= retries) await options.clock.sleep(backoffDelay(attempt, options.random));
      }
    }
    throw new Error(`NATS at ${redactUrl(options.url)} could not be reached: ${(lastError as Error)?.message ?? String(lastError)}`);
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === "disconnect") {
        this.isConnected = false;
        this.log.warn({ server: s.server }, "nats disconnected; reconnecting");
      } else if (s.type === "reconnect") {
        this.isConnected = true;
        this.log.info({ server: s.server }, "nats reconnected");
      } else if (s.type === "close") {
        this.isConnected = false;
      }
    }
  }

  connected(): boolean {
    return this.isConnected && !this.closed && !this.nc.isClosed();
  }

  async declare(topology: Topology): Promise<void> {
    const deadline = this.clock.now() + this.publishTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new TransportClosedError("transport closed");
      try {
        await declareStreams(this.jsm, this.names, this.settings, topology);
        return;
      } catch (err) {
        // While the server restarts JetStream is briefly unavailable; anything else is final.
        if (!transient(err) || this.clock.now() > deadline) throw err;
        await this.clock.sleep(backoffDelay(attempt, this.random));
      }
    }
  }

  /**
   * Resolves on JetStream's stored-ack. Nats-Msg-Id = messageId (or the brokerDedupId that
   * overrides it) makes a resend within the stream's duplicate window a no-op, so a publish lost in
   * a disconnect is simply sent again until the deadline.
   */
  async publish(route: Route, body: Uint8Array, options: PublishOptions): Promise<void> {
    const subject = routeSubject(this.names, route);
    const h = natsHeaders();
    for (const [k, v] of Object.entries(options.headers ?? {})) h.set(k, v);
    if (route.to === "dead") h.set(REASON_HEADER, route.reason);
    const deadline = this.clock.now() + this.publishTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new TransportClosedError("transport closed");
      const left = deadline - this.clock.now();
      try {
        await this.js.publish(subject, body, {
          msgID: options.brokerDedupId ?? options.messageId,
          headers: h,
          timeout: Math.max(1000, Math.min(5000, left)),
        });
        return;
      } catch (err) {
        if (!transient(err) || this.clock.now() + 100 > deadline || this.closed) {
          throw new Error(`publish to ${subject} not stored by JetStream: ${(err as Error).message}`);
        }
        this.log.debug({ subject, messageId: options.messageId, err: (err as Error).message }, "publish not confirmed; resending");
        await this.clock.sleep(Math.min(backoffDelay(attempt, this.random, 2000), Math.max(0, deadline - this.clock.now())));
      }
    }
  }

  async consume(source: Source, handler: DeliveryHandler, options?: ConsumeOptions): Promise<Subscription> {
    if (this.closed) throw new TransportClosedError("transport closed");
    if (source.from === "heartbeats") {
      const beats = new NatsBeats(this, handler, (s) => this.subscriptions.delete(s));
      this.subscriptions.add(beats);
      // The server has the subscription once a round trip after it is sent: a heartbeat published after consume() resolves reaches it.
      await this.nc.flush();
      return beats;
    }
    const prefetch = options?.prefetch ?? this.options.prefetch ?? 256;
    const sub = new NatsSubscription(this, source, handler, prefetch, (s) => this.subscriptions.delete(s));
    this.subscriptions.add(sub);
    try {
      await sub.started;
    } catch (err) {
      this.subscriptions.delete(sub);
      await sub.stop();
      throw err;
    }
    return sub;
  }

  /** Deletes this prefix's streams and their consumers (tests). */
  async deleteAll(): Promise<void> {
    await deleteStreams(this.jsm, this.names);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.subscriptions) await sub.abandon();
    this.subscriptions.clear();
    try {
      await this.nc.flush();
    } catch {}
    await this.nc.close().catch(() => {});
    this.isConnected = false;
  }
}

/** Errors worth a retry: timeouts, no responders while JetStream comes back, a dropped connection. */
function transient(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string | number };
  const text = `${e?.name ?? ""} ${e?.message ?? ""} ${String(e?.code ?? "")}`;
  return /timeout|timed out|no responders|503|disconnect|reconnect|connection|jetstream not enabled|unavailable/i.test(text);
}

/** `_INBOX.<user>`: the user's dots stay token separators; wildcards and spaces could not be subject tokens. */
export function userInboxPrefix(user: string): string {
  return `_INBOX.${user.replace(/[*>\s]/g, "_")}`;
}

export async function connectNats(options: NatsTransportOptions): Promise<NatsTransport> {
  return NatsTransport.connect(options);
}

/** Deletes a prefix's streams (and so its consumers) on a server, for test cleanup. */
export async function deleteNatsPrefix(url: string, prefix: string): Promise<void> {
  const nc = await connect({ servers: url.split(",").map((s) => s.trim()) });
  try {
    await deleteStreams(await jetstreamManager(nc), natsNames(prefix));
  } finally {
    await nc.close();
  }
}
