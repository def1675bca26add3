import type { Logger } from "../shared/log.ts";
import type { Clock } from "../shared/ports/clock.ts";
import type { Delivery } from "../shared/ports/transport.ts";
import { decodeMessage, type RunQuery } from "../shared/protocol/messages.ts";
import type { NodeLedger, RecordedQuery } from "./ledger.ts";

export interface RunQueryIntakeOptions {
  nodeId: string;
  clock: Clock;
  ledger: NodeLedger;
  log: Logger;
  /** False before the agent starts and once it stops: a delivery then goes back to the queue. */
  running: () => boolean;
  /** A run-query recorded and acknowledged: its result's run begins. */
  take: (query: RecordedQuery) => void;
}

/**
 * The node's queue, read: each run-query validated, recorded in the ledger, and only then
 * acknowledged and taken on. A copy of one already taken is acknowledged and nothing more; what is
 * not a run-query for this node is dead-lettered with the reason.
 */
export class RunQueryIntake {
  runQueriesReceived = 0;
  /** Redelivered or repeated run-queries for a result the node already had. */
  duplicateRunQueries = 0;
  deadLettered = 0;
  /** Run-queries being recorded, so a copy arriving meanwhile waits instead of starting twice. */
  private readonly recording = new Map<string, Promise<void>>();

  constructor(private readonly options: RunQueryIntakeOptions) {}

  /** Recordings in progress, for the agent's stop to wait on. */
  inProgress(): Promise<void>[] {
    return [...this.recording.values()];
  }

  async onDelivery(delivery: Delivery): Promise<void> {
    const { clock, ledger, log } = this.options;
    if (!this.options.running()) {
      await delivery.nack({ requeue: true });
      return;
    }
    const decoded = decodeMessage(delivery.body);
    if (!decoded.ok) return this.deadLetter(delivery, decoded.reason);
    const message = decoded.message;
    if (message.type !== "run-query") return this.deadLetter(delivery, `a node takes run-query messages only, not ${message.type}`);
    const reason = this.refusal(message);
    if (reason) return this.deadLetter(delivery, reason);
    this.runQueriesReceived++;

    const resultId = message.result.id;
    const recording = this.recording.get(resultId);
    if (recording) await recording.catch(() => undefined);
    if (ledger.taken(resultId)) {
      this.duplicateRunQueries++;
      log.debug({ resultId, redelivered: delivery.redelivered }, "run-query for a result already taken: acknowledged, not restarted");
      await delivery.ack();
      return;
    }
    const query: RecordedQuery = {
      resultId,
      queryId: message.query.id,
      definition: message.query.definition,
      sent: message.result,
      receivedAt: clock.now(),
    };
    const record = ledger.recordQuery(query);
    this.recording.set(resultId, record);
    try {
      await record;
    } catch (error) {
      log.error({ resultId, err: error }, "could not record a run-query; giving it back");
      await delivery.nack({ requeue: true, delayMs: 1_000 });
      return;
    } finally {
      this.recording.delete(resultId);
    }
    await delivery.ack();
    this.options.take(query);
  }

  /** Why a well-formed run-query is not this node's to run, if it is not. */
  private refusal(message: RunQuery): string | undefined {
    const { nodeId } = this.options;
    const { query, result } = message;
    if (result.nodeId !== nodeId) return `run-query for node ${result.nodeId} reached node ${nodeId}`;
    if (result.queryId !== query.id) return `run-query result names query ${result.queryId} but carries query ${query.id}`;
    if (result.status !== "sentToNode") return `run-query result must be sentToNode, not ${result.status}`;
    return undefined;
  }

  private async deadLetter(delivery: Delivery, reason: string): Promise<void> {
    this.deadLettered++;
    this.options.log.warn({ messageId: delivery.messageId, reason }, "dead-lettering a delivery");
    await delivery.deadLetter(reason);
  }
}
