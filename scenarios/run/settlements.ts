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
import { decodeMessage } from "../../shared/protocol/messages.ts";
import type { Receipt, Settlement } from "../check/evidence.ts";

type How = Settlement["how"];
type Envelope = Omit<Receipt, "seq" | "at" | "redelivered">;

/**
 * The hub's transport with every delivery written down as the hub's consumer is handed it, and
 * every settlement as the hub makes it: the ack, nack or dead letter it called for, with the
 * envelope's messageId and type. Outside the fault wrappers, so a lost or late ack is still the
 * ack the hub gave.
 */
export class SettlementTap implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly note: (settlement: Omit<Settlement, "seq" | "at">) => void,
    private readonly handed: (receipt: Omit<Receipt, "seq" | "at">) => void = () => {},
  ) {}

  get name(): string {
    return this.inner.name;
  }

  declare(topology: Parameters<Transport["declare"]>[0]): Promise<void> {
    return this.inner.declare(topology);
  }

  publish(route: Route, body: Uint8Array, options: PublishOptions): Promise<void> {
    return this.inner.publish(route, body, options);
  }

  /** A replica's own heartbeat copies are not noted: nothing is stored from them, and the broker keeps nothing behind them to settle. */
  consume(source: Source, handler: DeliveryHandler, options?: ConsumeOptions): Promise<Subscription> {
    if (source.from === "heartbeats") return this.inner.consume(source, handler, options);
    return this.inner.consume(source, (d) => handler(this.noted(d)), options);
  }

  connected(): boolean {
    return this.inner.connected();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private noted(d: Delivery): Delivery {
    const decoded = decodeMessage(d.body);
    const envelope: Envelope = decoded.ok
      ? { messageId: decoded.message.messageId, type: decoded.message.type }
      : { messageId: d.messageId, type: undefined };
    this.handed({ ...envelope, redelivered: d.redelivered });
    const settle = (how: How) => this.note({ ...envelope, how });
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
      ack: () => {
        settle("ack");
        return d.ack();
      },
      nack: (options) => {
        settle("nack");
        return d.nack(options);
      },
      deadLetter: (reason) => {
        this.note({ ...envelope, how: "deadLetter", reason });
        return d.deadLetter(reason);
      },
    };
  }
}
