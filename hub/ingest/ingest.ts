import type { Logger } from "../../shared/log.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Proposal } from "../../shared/ports/store.ts";
import type { Delivery, Subscription, Transport } from "../../shared/ports/transport.ts";
import { decodeMessage } from "../../shared/protocol/messages.ts";
import type { Liveness } from "../liveness.ts";
import type { HubMetrics } from "../metrics.ts";
import type { QueryDesk } from "../queries.ts";
import type { Recorder } from "../record.ts";
import { senderProblem } from "./sender.ts";

interface Waiting {
  delivery: Delivery;
  proposal: Proposal;
  receivedAt: number;
  done: () => void;
}

const STORE_RETRY_MS = 1000;

/**
 * The hub's consumer: validate at the edge, apply a consumed burst in one store step, and only
 * then acknowledge. The next burst gathers while the last one commits, so the stages overlap.
 */
export class Ingest {
  private readonly waiting: Waiting[] = [];
  private flushing = false;
  private subscription: Subscription | undefined;

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
    },
  ) {}

  async start(): Promise<void> {
    this.subscription = await this.deps.transport.consume({ from: "hub" }, (d) => this.receive(d), { prefetch: this.deps.prefetch });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }

  /** One delivery: settled (acked, dead-lettered or given back) before the promise resolves. */
  private async receive(delivery: Delivery): Promise<void> {
    const { metrics, liveness, log } = this.deps;
    if (delivery.redelivered) metrics.redeliveries.inc();
    const decoded = decodeMessage(delivery.body);
    if (!decoded.ok) return this.reject(delivery, decoded.reason);
    const message = decoded.message;
    metrics.messages.inc({ type: message.type });
    const problem = senderProblem(message, delivery);
    if (problem) return this.reject(delivery, problem);
    if (message.type === "node-heartbeat") {
      liveness.beat(message.nodeId, message.activeQueries);
      return delivery.ack();
    }
    if (message.type !== "result-update") return this.reject(delivery, "unexpected message");
    log.trace({ queryId: message.result.queryId, nodeId: message.nodeId, messageId: message.messageId }, "result-update");
    return new Promise<void>((done) => {
      this.waiting.push({
        delivery,
        proposal: { kind: "result", state: message.result, origin: "node", messageId: message.messageId },
        receivedAt: this.deps.clock.now(),
        done,
      });
      if (!this.flushing) void this.flush();
    });
  }

  private async reject(delivery: Delivery, reason: string): Promise<void> {
    this.deps.metrics.outcome("rejected");
    this.deps.metrics.deadLetter(reason);
    this.deps.log.warn({ messageId: delivery.messageId, reason }, "dead-lettered");
    await delivery.deadLetter(reason);
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.waiting.length > 0) {
        const burst = this.waiting.splice(0, this.deps.maxBatch ?? 512);
        await this.applyBurst(burst);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async applyBurst(burst: Waiting[]): Promise<void> {
    const { recorder, desk, metrics, clock, log } = this.deps;
    let applied: Awaited<ReturnType<Recorder["record"]>>;
    try {
      applied = await recorder.record(burst.map((w) => w.proposal));
    } catch (err) {
      // The store did not take the burst: nothing was acknowledged, so give it all back to the broker.
      log.error({ err: String(err), size: burst.length }, "store apply failed; returning burst to the broker");
      await Promise.allSettled(burst.map((w) => w.delivery.nack({ requeue: true, delayMs: STORE_RETRY_MS })));
      for (const w of burst) w.done();
      return;
    }
    const now = clock.now();
    const touched = new Set<string>();
    await Promise.allSettled(
      burst.map(async (w, i) => {
        const a = applied[i];
        metrics.applyLatency.observe((now - w.receivedAt) / 1000);
        try {
          if (a?.outcome === "rejected") {
            metrics.deadLetter(a.reason ?? "rejected");
            log.warn({ messageId: w.delivery.messageId, reason: a.reason }, "dead-lettered");
            await w.delivery.deadLetter(a.reason ?? "rejected");
          } else {
            touched.add((w.proposal.state as { queryId: string }).queryId);
            await w.delivery.ack();
          }
        } catch (err) {
          log.warn({ messageId: w.delivery.messageId, err: String(err) }, "ack failed; the broker will redeliver");
        } finally {
          w.done();
        }
      }),
    );
    await desk.settle(touched);
  }
}
