import type { Clock, Timer } from "../ports/clock.ts";
import type { Random } from "../ports/random.ts";
import type { ConsumeOptions, DeliveryHandler, PublishOptions, Route, Source, Subscription, Transport } from "../ports/transport.ts";
import type { FaultReport } from "./kind.ts";
import { DUPLICATED } from "./kinds/duplicate.ts";
import { DELAYED } from "./kinds/latency.ts";
import { HELD_BACK, LOST } from "./kinds/reorder.ts";
import { drawTransitFate, type TransitFaults, transitAction } from "./transit.ts";

interface Detached {
  timer: Timer | undefined;
  run: () => Promise<void>;
}

/**
 * Latency, reordering and duplication around a real broker's client (RabbitMQ, NATS), where the
 * broker cannot inject them itself: what reaches a consumer really went through the broker.
 *
 * Latency holds the caller, whose publish resolves when the broker confirms, as without it. A
 * message held for reordering is the broker's from the caller's point of view: the caller goes on
 * and publishes more, which overtake it. A copy is the same bytes with the same envelope
 * messageId, published again after a lag; it carries its own broker de-duplication key, because
 * JetStream would otherwise drop it by Nats-Msg-Id, and PROTOCOL.md makes the hub's itemVersion
 * check, not the broker's de-duplication, the guarantee under test. Closing first sends whatever
 * is still held, as a broker keeps what it accepted when its publisher goes away.
 */
export class TransitTransport implements Transport {
  private readonly detached = new Set<Detached>();
  private readonly running = new Set<Promise<void>>();
  private copies = 0;
  private closing = false;

  constructor(
    private readonly inner: Transport,
    /** "hub", or the node id of a node agent. */
    private readonly who: string,
    private readonly deps: { faults: () => TransitFaults; clock: Clock; random: Random; tap: FaultReport },
  ) {}

  get name(): string {
    return this.inner.name;
  }

  declare(topology: Parameters<Transport["declare"]>[0]): Promise<void> {
    return this.inner.declare(topology);
  }

  async publish(route: Route, body: Uint8Array, options: PublishOptions): Promise<void> {
    const { clock, random, tap, faults } = this.deps;
    const fate = drawTransitFate(faults(), random);
    if (fate.latencyMs > 0) {
      tap.faulted(this.who, transitAction(route, DELAYED));
      await clock.sleep(fate.latencyMs);
    }
    const send = async () => {
      await this.inner.publish(route, body, options);
      const lag = fate.duplicateLagMs;
      if (lag !== undefined) this.detach(lag, route, () => this.publishCopy(route, body, options));
    };
    if (fate.holdMs === 0 || this.closing) return send();
    tap.faulted(this.who, transitAction(route, HELD_BACK));
    this.detach(fate.holdMs, route, send);
  }

  private async publishCopy(route: Route, body: Uint8Array, options: PublishOptions): Promise<void> {
    const copy = ++this.copies;
    await this.inner.publish(route, body, { ...options, brokerDedupId: `${options.messageId}:dup${copy}` });
    this.deps.tap.faulted(this.who, transitAction(route, DUPLICATED));
  }

  /** Runs a publish later, off the caller's path; at close it runs at once. */
  private detach(delayMs: number, route: Route, publish: () => Promise<void>): void {
    const entry: Detached = { timer: undefined, run: () => this.track(entry, route, publish) };
    this.detached.add(entry);
    if (this.closing) void entry.run();
    else entry.timer = this.deps.clock.setTimeout(() => void entry.run(), delayMs);
  }

  private track(entry: Detached, route: Route, publish: () => Promise<void>): Promise<void> {
    if (entry.timer) this.deps.clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    if (!this.detached.delete(entry)) return Promise.resolve();
    const p = publish()
      .catch(() => this.deps.tap.faulted(this.who, transitAction(route, LOST)))
      .finally(() => this.running.delete(p));
    this.running.add(p);
    return p;
  }

  consume(source: Source, handler: DeliveryHandler, options?: ConsumeOptions): Promise<Subscription> {
    return this.inner.consume(source, handler, options);
  }

  connected(): boolean {
    return this.inner.connected();
  }

  async close(): Promise<void> {
    this.closing = true;
    // A copy is scheduled when its original is stored, so release until nothing is left.
    while (this.detached.size > 0 || this.running.size > 0) {
      const now = [...this.detached].map((d) => d.run());
      await Promise.all([...now, ...this.running]);
    }
    await this.inner.close();
  }
}
