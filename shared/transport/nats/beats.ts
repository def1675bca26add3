import type { Msg, NatsConnection, Subscription as CoreSubscription } from "@nats-io/transport-node";
import type { Logger } from "../../log.ts";
import type { Delivery, DeliveryHandler, PublishOptions, Route, Subscription } from "../../ports/transport.ts";
import { carriedHeaders, readMessage } from "./delivery.ts";
import { type NatsNames, readSubject } from "./topology.ts";

export interface BeatsHost {
  readonly nc: NatsConnection;
  readonly names: NatsNames;
  readonly log: Logger;
  publish(route: Route, body: Uint8Array, options: PublishOptions): Promise<void>;
}

/**
 * One subscriber's own copy of every heartbeat. The results stream is a work queue: it allows no
 * second consumer over the heartbeat subjects beside the hub's durable one, and forgets a message
 * once that one acks it. A core subscription on the heartbeat subjects sees every publish the
 * stream stores, for as long as it is subscribed, and the client renews it after a reconnect; what is
 * published meanwhile is lost to it, as to an exclusive queue. Nothing is kept behind a delivery, so
 * ack and nack settle nothing; there is no flow control either, which a handler that only notes a
 * beat does not need.
 */
export class NatsBeats implements Subscription {
  private readonly sub: CoreSubscription;
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly host: BeatsHost,
    private readonly handler: DeliveryHandler,
    private readonly onStopped: (sub: NatsBeats) => void,
  ) {
    this.sub = host.nc.subscribe(host.names.heartbeatSubjects, { callback: (err, msg) => (err ? this.failed(err) : this.dispatch(msg)) });
  }

  private failed(err: Error): void {
    this.host.log.warn({ subject: this.host.names.heartbeatSubjects, err: err.message }, "heartbeat subscription error");
  }

  private dispatch(msg: Msg): void {
    let delivery: Delivery;
    try {
      delivery = this.toDelivery(msg);
    } catch (err) {
      this.host.log.warn({ subject: msg.subject, err: (err as Error).message }, "unreadable heartbeat; dropped");
      return;
    }
    this.running++;
    void this.handle(delivery);
  }

  private async handle(delivery: Delivery): Promise<void> {
    try {
      await this.handler(delivery);
    } catch (err) {
      this.host.log.warn({ messageId: delivery.messageId, err: (err as Error)?.message }, "heartbeat handler failed; dropped");
    } finally {
      this.running--;
      if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private toDelivery(msg: Msg): Delivery {
    const facts = readMessage(this.host.names, msg);
    const toDead = async (reason: string): Promise<void> => {
      await this.host.publish({ to: "dead", reason, origin: readSubject(this.host.names, msg.subject).address }, facts.body, {
        messageId: facts.messageId ?? `${msg.subject}:${msg.sid}`,
        headers: carriedHeaders(facts.headers),
      });
    };
    return {
      ...facts,
      ack: async () => undefined,
      nack: async (options) => (options?.requeue === false ? toDead("rejected without requeue") : undefined),
      deadLetter: toDead,
    };
  }

  async stop(): Promise<void> {
    this.abandon();
    if (this.running > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Ends with the connection. */
  abandon(): void {
    if (this.sub.isClosed()) return;
    this.sub.unsubscribe();
    this.onStopped(this);
  }
}
