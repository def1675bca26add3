import type { Logger } from "../shared/log.ts";
import type { Clock } from "../shared/ports/clock.ts";
import type { Random } from "../shared/ports/random.ts";
import type { Route, Transport } from "../shared/ports/transport.ts";
import type { ResultState } from "../shared/protocol/items.ts";
import { encodeMessage } from "../shared/protocol/messages.ts";
import { isFinal } from "../shared/protocol/status.ts";
import { backoffDelay } from "../shared/transport/mod.ts";
import type { NodeLedger } from "./ledger.ts";
import type { NodeObserver } from "./observer.ts";
import type { Waits } from "./waits.ts";

export interface ResultPublisherOptions {
  nodeId: string;
  transport: Transport;
  clock: Clock;
  /** Backoff jitter. */
  random: Random;
  ledger: NodeLedger;
  waits: Waits;
  log: Logger;
  observer: NodeObserver;
}

/**
 * Sends a node's result-updates to the hub: each until the broker confirms it, with the same
 * messageId on every try, then notes it published in the ledger so a restart does not resend it.
 */
export class ResultPublisher {
  updatesSent = 0;
  publishRetries = 0;

  constructor(private readonly options: ResultPublisherOptions) {}

  /** Publishes a result-update until the broker confirms it, backing off between tries. */
  async send(result: ResultState, messageId: string): Promise<void> {
    const { nodeId, transport, clock, random, ledger, waits, log } = this.options;
    const route: Route = { to: "hub", kind: "result", nodeId };
    for (let attempt = 1; ; attempt++) {
      const body = encodeMessage({ type: "result-update", messageId, sentAt: new Date(clock.now()).toISOString(), nodeId, result });
      try {
        await transport.publish(route, body, { messageId });
        break;
      } catch (error) {
        if (waits.abandoned) throw error;
        this.publishRetries++;
        const delayMs = backoffDelay(attempt, random, 30_000);
        log.warn({ resultId: result.id, attempt, delayMs, err: error }, "publishing a result-update failed; retrying");
        await waits.for(delayMs);
      }
    }
    this.updatesSent++;
    this.options.observer.onSent?.(result);
    await ledger.recordPublished(result.id, result.versionInfo.itemVersion);
    if (isFinal(result.status)) log.debug({ resultId: result.id, status: result.status, count: result.count }, "result final");
  }
}
