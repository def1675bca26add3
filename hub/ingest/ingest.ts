import type { Logger } from "../../shared/log.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Applied, Proposal } from "../../shared/ports/store.ts";
import type { Delivery, Subscription, Transport } from "../../shared/ports/transport.ts";
import type { Liveness } from "../liveness.ts";
import type { HubMetrics } from "../metrics.ts";
import type { QueryDesk } from "../queries.ts";
import type { Recorder } from "../record.ts";
import { admit } from "./admit.ts";

interface Waiting {
  delivery: Delivery;
  proposal: Proposal;
  receivedAt: number;
  done: () => void;
}

const STORE_RETRY_MS = 1000;
/** Store transactions in flight at once: enough to overlap round trips, few enough to leave the pool room. */
const DEFAULT_LANES = 2;
/** Proposals applied per event-loop turn at most: a bigger burst stalls the HTTP reads sharing the loop. */
const DEFAULT_MAX_BATCH = 256;

/** Lets I/O callbacks (HTTP requests, broker frames) run before the next burst. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A stable lane for an item: every state of one item goes through one lane, so it is applied in arrival order. */
export function laneOf(itemId: string, lanes: number): number {
  let h = 0x811c9dc5;
  // Stryker disable next-line EqualityOperator: any stable function of the id keeps each item in one lane; which lane only spreads the load
  for (let i = 0; i < itemId.length; i++) h = Math.imul(h ^ itemId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % lanes;
}

/** Proposals of one lane, applied one burst at a time: a burst gathers while the previous one commits. */
class Lane {
  private readonly waiting: Waiting[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly maxBatch: number,
    private readonly applyBurst: (burst: Waiting[]) => Promise<void>,
  ) {}

  push(w: Waiting): void {
    this.waiting.push(w);
    this.flushing ??= this.flush();
  }

  private async flush(): Promise<void> {
    try {
      // Waiting a turn first lets one socket read's deliveries, and the HTTP requests behind them, in before the burst.
      do {
        await nextTurn();
        await this.applyBurst(this.waiting.splice(0, this.maxBatch));
      } while (this.waiting.length > 0);
    } finally {
      this.flushing = undefined;
    }
  }
}

/**
 * The hub's consumer: validate at the edge, apply a consumed burst in one store step, and only
 * then acknowledge. Heartbeats come twice: from the hub queue, shared with the other replicas, and
 * from this replica's own subscription, which gets every node's every heartbeat, so that each
 * replica's liveness is whole. Both copies go to liveness: beat() is idempotent, and the shared copy
 * covers the moments the own subscription is not there (after a reconnect, before it is renewed). Proposals are spread over lanes by item id, so several bursts commit at once
 * while no item is ever split across concurrent transactions: each item's outcomes stay those of
 * one-by-one application in arrival order. Within a lane the next burst gathers while the last commits.
 */
export class Ingest {
  private readonly lanes: Lane[];
  /** Query status moves after bursts, one at a time across lanes, so two lanes never advance one query twice. */
  private settling: Promise<void> = Promise.resolve();
  private subscription: Subscription | undefined;
  private beats: Subscription | undefined;

  constructor(
    private readonly deps: {
      transport: Transport;
      recorder: Recorder;
      desk: QueryDesk;
      liveness: Liveness;
      metrics: HubMetrics;
      clock: Clock;
      log: Logger;
      prefetch: number;
      maxBatch?: number;
      /** Concurrent store transactions; DEFAULT_LANES by default. */
      lanes?: number;
    },
  ) {
    // Stryker disable next-line MethodExpression: one lane keeps each item's arrival order as two do; the number of lanes is concurrency only
    const count = Math.max(1, deps.lanes ?? DEFAULT_LANES);
    const maxBatch = deps.maxBatch ?? DEFAULT_MAX_BATCH;
    this.lanes = Array.from({ length: count }, () => new Lane(maxBatch, (burst) => this.applyBurst(burst)));
  }

  async start(): Promise<void> {
    const { transport, prefetch } = this.deps;
    this.beats = await transport.consume({ from: "heartbeats" }, (d) => this.beat(d), { prefetch });
    this.subscription = await transport.consume({ from: "hub" }, (d) => this.receive(d), { prefetch });
  }

  /**
   * Stops consuming, then waits until every burst taken is applied and its queries settled. A
   * subscription's stop resolves once no handler runs, and a result-update's handler ends only when
   * its delivery is settled, after its burst's store step: the lanes are idle by then, and the last
   * burst has chained its queries' settling.
   */
  async stop(): Promise<void> {
    // Stryker disable next-line OptionalChaining: startHub hands out the hub, and so its stop, only once start() resolved
    await this.beats?.stop();
    // Stryker disable next-line OptionalChaining: as above
    await this.subscription?.stop();
    await this.settling;
  }

  /**
   * One delivery: settled (acked, dead-lettered or given back) before the promise resolves. Not an
   * async function: a result-update's one promise is the one its burst resolves.
   */
  private receive(delivery: Delivery): Promise<void> {
    const { metrics, liveness, log } = this.deps;
    if (delivery.redelivered) metrics.redeliveries.inc();
    const admission = admit(delivery);
    if (admission.message) metrics.message(admission.message.type);
    if (!admission.ok) return this.reject(delivery, admission.reason);
    const message = admission.message;
    if (message.type === "node-heartbeat") {
      liveness.beat(message.nodeId, message.activeQueries);
      return delivery.ack();
    }
    if (message.type !== "result-update") return this.reject(delivery, "unexpected message");
    // Stryker disable next-line ObjectLiteral,StringLiteral: the operator's trace log only
    log.trace({ queryId: message.result.queryId, nodeId: message.nodeId, messageId: message.messageId }, "result-update");
    const lane = this.lanes[laneOf(message.result.id, this.lanes.length)] as Lane;
    return new Promise<void>((done) => {
      lane.push({
        delivery,
        proposal: { kind: "result", state: message.result, origin: "node", messageId: message.messageId },
        receivedAt: this.deps.clock.now(),
        done,
      });
    });
  }

  /**
   * A heartbeat from this replica's own subscription, judged as the hub queue's copy is. A refused one
   * is only logged: the broker keeps nothing behind this copy, and the hub queue's copy is the one
   * dead-lettered, once, by whichever replica takes it.
   */
  private beat(delivery: Delivery): Promise<void> {
    const admission = admit(delivery);
    if (admission.ok && admission.message.type === "node-heartbeat") {
      this.deps.liveness.beat(admission.message.nodeId, admission.message.activeQueries);
      return delivery.ack();
    }
    // A refused copy is only logged.
    // Stryker disable next-line StringLiteral: the operator's log only
    const reason = admission.ok ? `${admission.message.type} on the heartbeat route` : admission.reason;
    // Stryker disable next-line ObjectLiteral,StringLiteral: the operator's log only
    this.deps.log.debug({ messageId: delivery.messageId, reason }, "heartbeat copy refused");
    return delivery.ack();
  }

  /** A delivery refused before it reached the store: counted as a rejected outcome, then dead-lettered. */
  private async reject(delivery: Delivery, reason: string): Promise<void> {
    this.deps.metrics.outcome("rejected");
    await this.deadLetter(delivery, reason);
  }

  private async deadLetter(delivery: Delivery, reason: string): Promise<void> {
    this.deps.metrics.deadLetter(reason);
    // Stryker disable next-line ObjectLiteral,StringLiteral: the operator's log only
    this.deps.log.warn({ messageId: delivery.messageId, reason }, "dead-lettered");
    await delivery.deadLetter(reason);
  }

  private async applyBurst(burst: Waiting[]): Promise<void> {
    const { recorder, desk, metrics, clock, log } = this.deps;
    let applied: Applied[];
    try {
      applied = await recorder.record(burst.map((w) => w.proposal));
    } catch (err) {
      // The store did not take the burst: nothing was acknowledged, so give it all back to the broker.
      // Stryker disable next-line ObjectLiteral,StringLiteral: the operator's log only
      log.error({ err: String(err), size: burst.length }, "store apply failed; returning burst to the broker");
      await Promise.allSettled(burst.map((w) => w.delivery.nack({ requeue: true, delayMs: STORE_RETRY_MS })));
      for (const w of burst) w.done();
      return;
    }
    const now = clock.now();
    const touched = new Set<string>();
    burst.forEach((w, i) => {
      const a = applied[i];
      metrics.applyLatency.observe((now - w.receivedAt) / 1000);
      // Stryker disable next-line OptionalChaining: the store answers every proposal of a burst
      if (a?.outcome !== "rejected") touched.add((w.proposal.state as { queryId: string }).queryId);
      // Not awaited: the next burst need not wait for the broker to take these acks.
      this.settleDelivery(w, a);
    });
    const settle = () => desk.settle(touched);
    // Stryker disable next-line ArrowFunction,ObjectLiteral,StringLiteral: the operator's log only; a failed settle is swallowed either way, and the settle sweep takes the query up again
    this.settling = this.settling.then(settle).catch((err) => log.warn({ err: String(err) }, "query status not advanced"));
  }

  /** Acks an applied delivery, or dead-letters a rejected one; the delivery's handler ends with it. */
  private settleDelivery(w: Waiting, applied: Applied | undefined): void {
    // A settlement that fails rejects (the transport port's ack and deadLetter return promises), never throws.
    // Stryker disable next-line OptionalChaining: the store answers every proposal of a burst
    const settling = applied?.outcome === "rejected" ? this.deadLetter(w.delivery, applied.reason ?? "rejected") : w.delivery.ack();
    settling.then(w.done, (err: unknown) => {
      // Stryker disable next-line ObjectLiteral,StringLiteral: the operator's log only
      this.deps.log.warn({ messageId: w.delivery.messageId, err: String(err) }, "ack failed; the broker will redeliver");
      w.done();
    });
  }
}
