import type { Clock, Timer } from "../ports/clock.ts";
import type { Random } from "../ports/random.ts";
import type { Delivery, Subscription, Transport } from "../ports/transport.ts";
import type { Breakdowns } from "../protocol/breakdowns.ts";
import type { ResultState } from "../protocol/items.ts";
import { decodeMessage, encodeMessage, type NodeHeartbeat, type ResultUpdate, type RunQuery } from "../protocol/messages.ts";
import type { ResultStatus } from "../protocol/status.ts";
import { nextVersion } from "../protocol/versionInfo.ts";

/** One state a scripted site proposes: what it says, and how long after the state before it it goes out. */
export interface ScriptedState {
  afterMs: number;
  status: ResultStatus;
  progress?: number;
  count?: number;
  statusMessage?: string;
  breakdowns?: Breakdowns;
}

/** receivedByNode, running halfway, then completed with `count` and any `breakdowns` (or failed with `failure`), one every `stepMs`. */
export function ladder({
  count = 40,
  breakdowns,
  failure,
  stepMs = 100,
}: {
  count?: number;
  breakdowns?: Breakdowns;
  failure?: string;
  stepMs?: number;
}): ScriptedState[] {
  return [
    { afterMs: stepMs, status: "receivedByNode" },
    { afterMs: stepMs, status: "running", progress: 0.5 },
    failure === undefined
      ? { afterMs: stepMs, status: "completed", count, ...(breakdowns && { breakdowns }) }
      : { afterMs: stepMs, status: "failed", statusMessage: failure },
  ];
}

export interface ScriptedNodeOptions {
  nodeId: string;
  transport: Transport;
  clock: Clock;
  /** Message ids. */
  random: Random;
  /** The states it answers a run-query with, each the next version of the one before; ladder({}) when absent. */
  script?: (run: RunQuery) => readonly ScriptedState[];
  /** A node-heartbeat at start and then every interval; none when absent or 0. */
  heartbeatMs?: number;
}

/**
 * A site reduced to its side of the wire protocol, for tests of the hub that need sites without
 * running the node agent: it answers each run-query once with the result-updates its script
 * gives, on the clock, and beats. No population, no ledger, no retries: a failed publish fails
 * the run.
 */
export class ScriptedNode {
  /** Every result-update it published, in order. */
  readonly sent: ResultState[] = [];
  heartbeatsSent = 0;
  private readonly answered = new Set<string>();
  private readonly playing = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private subscription: Subscription | undefined;
  private heartbeat: Timer | undefined;

  private constructor(private readonly options: ScriptedNodeOptions) {}

  static async start(options: ScriptedNodeOptions): Promise<ScriptedNode> {
    const node = new ScriptedNode(options);
    await options.transport.declare({ role: "node", nodeId: options.nodeId });
    node.subscription = await options.transport.consume({ from: "node", nodeId: options.nodeId }, (d) => node.onDelivery(d));
    if (options.heartbeatMs) await node.beat();
    return node;
  }

  /** Stops reading and beating, abandons the scripts still playing. The transport is the caller's. */
  async stop(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    await this.subscription?.stop();
    if (this.heartbeat) this.options.clock.clearTimeout(this.heartbeat);
    this.stopping.abort(new Error(`scripted node ${this.options.nodeId} stopping`));
    await Promise.allSettled(this.playing);
  }

  private async onDelivery(delivery: Delivery): Promise<void> {
    const decoded = decodeMessage(delivery.body);
    if (!decoded.ok || decoded.message.type !== "run-query") {
      await delivery.deadLetter(decoded.ok ? `a node takes run-query messages only, not ${decoded.message.type}` : decoded.reason);
      return;
    }
    const run = decoded.message;
    await delivery.ack();
    if (this.answered.has(run.result.id)) return;
    this.answered.add(run.result.id);
    const playing = this.play(run.result, (this.options.script ?? (() => ladder({})))(run)).catch((error) => {
      if (!this.stopping.signal.aborted) throw error;
    });
    this.playing.add(playing);
    void playing.finally(() => this.playing.delete(playing));
  }

  private async play(sent: ResultState, script: readonly ScriptedState[]): Promise<void> {
    const { clock, nodeId } = this.options;
    let previous = sent;
    for (const next of script) {
      await clock.sleep(next.afterMs, this.stopping.signal);
      const result: ResultState = {
        id: sent.id,
        queryId: sent.queryId,
        nodeId,
        versionInfo: nextVersion(previous.versionInfo, clock.now()),
        status: next.status,
        ...(next.progress !== undefined && { progress: next.progress }),
        ...(next.count !== undefined && { count: next.count }),
        ...(next.statusMessage !== undefined && { statusMessage: next.statusMessage }),
        ...(next.breakdowns !== undefined && { breakdowns: next.breakdowns }),
      };
      await this.toHub("result", { type: "result-update", result });
      this.sent.push(result);
      previous = result;
    }
  }

  /** Publishes a message to the hub in this site's envelope: a fresh messageId, sent now. */
  private async toHub(
    kind: "result" | "heartbeat",
    message: Omit<ResultUpdate, "messageId" | "sentAt" | "nodeId"> | Omit<NodeHeartbeat, "messageId" | "sentAt" | "nodeId">,
  ): Promise<void> {
    const { clock, nodeId, transport, random } = this.options;
    const messageId = random.uuid();
    const body = encodeMessage({ ...message, messageId, sentAt: new Date(clock.now()).toISOString(), nodeId });
    await transport.publish({ to: "hub", kind, nodeId }, body, { messageId });
  }

  private async beat(): Promise<void> {
    const { clock, heartbeatMs = 0 } = this.options;
    await this.toHub("heartbeat", { type: "node-heartbeat", activeQueries: this.playing.size });
    this.heartbeatsSent++;
    if (!this.stopping.signal.aborted) this.heartbeat = clock.setTimeout(() => void this.beat().catch(() => undefined), heartbeatMs);
  }
}
