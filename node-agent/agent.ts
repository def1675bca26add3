import type { NodeProfileName } from "../shared/config.ts";
import type { Logger } from "../shared/log.ts";
import { silentLogger } from "../shared/log.ts";
import type { Clock, Timer } from "../shared/ports/clock.ts";
import type { Random } from "../shared/ports/random.ts";
import type { Delivery, Route, Subscription, Transport } from "../shared/ports/transport.ts";
import type { ResultState } from "../shared/protocol/items.ts";
import { decodeMessage, encodeMessage, type RunQuery } from "../shared/protocol/messages.ts";
import { isFinal } from "../shared/protocol/status.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { backoffDelay } from "../shared/transport/backoff.ts";
import { evaluate } from "./evaluate.ts";
import { MemoryLedger, type NodeLedger, type RecordedQuery, type RecordedState } from "./ledger.ts";
import { type PlannedStep, planSteps, stepState } from "./lifecycle.ts";
import { type ObfuscatedCount, noiseFor, obfuscateCount } from "./obfuscate.ts";
import { DEFAULT_POPULATION_SIZE, generatePopulation, type Population } from "./population.ts";
import type { NodeObserver } from "./observer.ts";
import { type LatencyProfile, PROFILES } from "./profile.ts";

export interface NodeAgentOptions {
  nodeId: string;
  transport: Transport;
  clock: Clock;
  /**
   * Latency draws and heartbeat message ids. Give each incarnation of a node its own stream;
   * the population and the obfuscation noise come from `seed` instead.
   */
  random: Random;
  profile: NodeProfileName | LatencyProfile;
  /** The site's secret seed: its patients and its noise. Sites differ by seed. */
  seed: string;
  populationSize?: number;
  /** Where the node remembers its results; memory by default (forgotten on restart). */
  ledger?: NodeLedger;
  log?: Logger;
  /** 5 s by default; 0 sends none. */
  heartbeatMs?: number;
  /** Multiplies every profile delay: 0.01 runs a site a hundred times faster. */
  timeScale?: number;
  /** Run-queries in flight at most. */
  prefetch?: number;
  /** Told what the site counts and sends, for a simulation's checker; the agent itself keeps none of it. */
  observer?: NodeObserver;
}

export interface NodeAgentCounters {
  runQueriesReceived: number;
  /** Redelivered or repeated run-queries for a result the node already had. */
  duplicateRunQueries: number;
  deadLettered: number;
  updatesSent: number;
  publishRetries: number;
  heartbeatsSent: number;
  /** Results taken up again from the ledger at start. */
  resumed: number;
}

/**
 * A simulated hospital: takes run-queries off its queue, records them, acknowledges them, counts
 * its patients, and proposes its result's states to the hub over time, as its latency profile
 * says. Every state is recorded in the ledger before it is published and retried until the broker
 * confirms it; a restarted node resends what was unconfirmed and continues its versions.
 */
export class NodeAgent {
  readonly nodeId: string;
  readonly population: Population;
  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly secret: Random;
  private readonly profile: LatencyProfile;
  private readonly ledger: NodeLedger;
  private readonly log: Logger;
  private readonly heartbeatMs: number;
  private readonly timeScale: number;
  private readonly prefetch: number;
  private readonly observer: NodeObserver;
  private readonly stopping = new AbortController();
  /**
   * Lifecycle waits in progress, abandoned together at stop: one set rather than an abort
   * listener per wait, which costs more than the wait itself when thousands of results run.
   */
  private readonly waits = new Set<{ timer: Timer; abandon: (reason: unknown) => void }>();
  /** Result lifecycles running, by result id. */
  private readonly active = new Map<string, Promise<void>>();
  /** Run-queries being recorded, so a copy arriving meanwhile waits instead of starting twice. */
  private readonly recording = new Map<string, Promise<void>>();
  private readonly count: NodeAgentCounters = {
    runQueriesReceived: 0,
    duplicateRunQueries: 0,
    deadLettered: 0,
    updatesSent: 0,
    publishRetries: 0,
    heartbeatsSent: 0,
    resumed: 0,
  };
  private subscription: Subscription | undefined;
  private heartbeatTimer: Timer | undefined;
  private heartbeatInFlight: Promise<void> = Promise.resolve();
  private heartbeatFailing = false;
  private state: "new" | "running" | "stopped" = "new";

  constructor(options: NodeAgentOptions) {
    this.nodeId = options.nodeId;
    this.transport = options.transport;
    this.clock = options.clock;
    this.random = options.random;
    this.profile = typeof options.profile === "string" ? PROFILES[options.profile] : options.profile;
    this.ledger = options.ledger ?? new MemoryLedger();
    this.log = (options.log ?? silentLogger).child({ nodeId: options.nodeId });
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.timeScale = options.timeScale ?? 1;
    this.prefetch = options.prefetch ?? 64;
    this.observer = options.observer ?? {};
    this.secret = new SeededRandom(`site:${options.seed}`);
    this.population = generatePopulation({
      size: options.populationSize ?? DEFAULT_POPULATION_SIZE,
      random: this.secret.fork("population"),
    });
  }

  /** Opens the ledger, declares the node's queue, resumes unfinished results, then consumes. */
  async start(): Promise<void> {
    if (this.state !== "new") throw new Error(`node agent ${this.nodeId} was started already`);
    this.state = "running";
    await this.ledger.open();
    await this.transport.declare({ role: "node", nodeId: this.nodeId });
    for (const { query, newest } of this.ledger.unfinished()) {
      this.count.resumed++;
      this.begin(query, newest);
    }
    this.subscription = await this.transport.consume({ from: "node", nodeId: this.nodeId }, (d) => this.onDelivery(d), {
      prefetch: this.prefetch,
    });
    if (this.heartbeatMs > 0) {
      // Beat at once, so the dashboard shows the site alive from its start, not one interval later.
      this.heartbeatInFlight = this.heartbeat();
      this.scheduleHeartbeat();
    }
    this.log.info({ profile: this.profile.name, population: this.population.size, resumed: this.count.resumed }, "node agent started");
  }

  /**
   * Stops consuming, abandons the waits of running lifecycles (the ledger keeps them for the next
   * start), lets publishes in flight finish, and closes the ledger. The transport is the caller's.
   */
  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    const wasRunning = this.state === "running";
    this.state = "stopped";
    await this.subscription?.stop();
    if (this.heartbeatTimer) this.clock.clearTimeout(this.heartbeatTimer);
    this.stopping.abort(new Error(`node agent ${this.nodeId} stopping`));
    for (const wait of this.waits) {
      this.clock.clearTimeout(wait.timer);
      wait.abandon(this.stopping.signal.reason);
    }
    this.waits.clear();
    await Promise.allSettled([...this.active.values(), ...this.recording.values(), this.heartbeatInFlight]);
    if (wasRunning) await this.ledger.close();
    this.log.info({ ...this.count }, "node agent stopped");
  }

  counters(): NodeAgentCounters {
    return { ...this.count };
  }

  /** Results not yet final at this node. */
  activeQueries(): number {
    return this.active.size;
  }

  private async onDelivery(delivery: Delivery): Promise<void> {
    if (this.state !== "running") {
      await delivery.nack({ requeue: true });
      return;
    }
    const decoded = decodeMessage(delivery.body);
    if (!decoded.ok) return this.deadLetter(delivery, decoded.reason);
    const message = decoded.message;
    if (message.type !== "run-query") return this.deadLetter(delivery, `a node takes run-query messages only, not ${message.type}`);
    const reason = this.refusal(message);
    if (reason) return this.deadLetter(delivery, reason);
    this.count.runQueriesReceived++;

    const resultId = message.result.id;
    const recording = this.recording.get(resultId);
    if (recording) await recording.catch(() => undefined);
    if (this.ledger.taken(resultId)) {
      this.count.duplicateRunQueries++;
      this.log.debug({ resultId, redelivered: delivery.redelivered }, "run-query for a result already taken: acknowledged, not restarted");
      await delivery.ack();
      return;
    }
    const query: RecordedQuery = {
      resultId,
      queryId: message.query.id,
      definition: message.query.definition,
      sent: message.result,
      receivedAt: this.clock.now(),
    };
    const record = this.ledger.recordQuery(query);
    this.recording.set(resultId, record);
    try {
      await record;
    } catch (error) {
      this.log.error({ resultId, err: error }, "could not record a run-query; giving it back");
      await delivery.nack({ requeue: true, delayMs: 1_000 });
      return;
    } finally {
      this.recording.delete(resultId);
    }
    await delivery.ack();
    this.begin(query, undefined);
  }

  /** Why a well-formed run-query is not this node's to run, if it is not. */
  private refusal(message: RunQuery): string | undefined {
    const { query, result } = message;
    if (result.nodeId !== this.nodeId) return `run-query for node ${result.nodeId} reached node ${this.nodeId}`;
    if (result.queryId !== query.id) return `run-query result names query ${result.queryId} but carries query ${query.id}`;
    if (result.status !== "sentToNode") return `run-query result must be sentToNode, not ${result.status}`;
    return undefined;
  }

  private async deadLetter(delivery: Delivery, reason: string): Promise<void> {
    this.count.deadLettered++;
    this.log.warn({ messageId: delivery.messageId, reason }, "dead-lettering a delivery");
    await delivery.deadLetter(reason);
  }

  /** Counts the query, plans what is left of its result from the newest known state, and runs the plan. */
  private begin(query: RecordedQuery, newest: RecordedState | undefined): void {
    const trueCount = evaluate(this.population, query.definition);
    const answer = obfuscateCount(trueCount, noiseFor(this.secret, trueCount));
    const from = newest?.result ?? query.sent;
    const steps = planSteps({
      from,
      profile: this.profile,
      random: this.random.fork(`lifecycle:${query.resultId}:${from.versionInfo.itemVersion}`),
      startAt: this.clock.now(),
      answer,
      timeScale: this.timeScale,
    });
    const finalStatus = (steps.at(-1)?.status ?? from.status) === "failed" ? "failed" : "completed";
    this.observer.onCounted?.({
      resultId: query.resultId,
      queryId: query.queryId,
      trueCount,
      // A completed plan reports the answer; an empty one (the result was final already) what it said then.
      reportedCount: finalStatus === "completed" ? ((steps.length === 0 ? from.count : undefined) ?? answer.count) : null,
      finalStatus,
    });
    const unconfirmed = newest && !newest.published ? newest : undefined;
    const run = this.drive(from, unconfirmed, steps, answer).finally(() => this.active.delete(query.resultId));
    this.active.set(query.resultId, run);
  }

  private async drive(
    from: ResultState,
    unconfirmed: RecordedState | undefined,
    steps: readonly PlannedStep[],
    answer: ObfuscatedCount,
  ): Promise<void> {
    const signal = this.stopping.signal;
    try {
      if (unconfirmed) await this.send(unconfirmed.result, unconfirmed.messageId);
      let previous = from;
      for (const step of steps) {
        await this.wait(step.delayMs);
        // Built and stamped when it goes out: the version after the state before it.
        const result = stepState(step, previous, this.clock.now(), answer);
        const messageId = this.messageIdOf(result);
        await this.ledger.recordState(result, messageId);
        await this.send(result, messageId);
        previous = result;
      }
    } catch (error) {
      if (signal.aborted) return;
      this.log.error({ resultId: from.id, err: error }, "result lifecycle stopped by an error; it resumes at the next start");
    }
  }

  /** Sleeps on the clock; rejects with the stop reason when the agent stops first. */
  private wait(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopping.signal.aborted) return reject(this.stopping.signal.reason);
      const wait = {
        timer: this.clock.setTimeout(() => {
          this.waits.delete(wait);
          resolve();
        }, ms),
        abandon: reject,
      };
      this.waits.add(wait);
    });
  }

  /**
   * A proposal's messageId follows from what tells it apart (item, version, status, stamp), so
   * every resend of it carries the same one; hashing these is far cheaper than the whole state.
   */
  private messageIdOf(result: ResultState): string {
    const v = result.versionInfo;
    return this.random
      .fork(`message:${result.id}:${v.itemVersion}:${v.changeDate}:${result.status}:${result.progress ?? ""}:${result.count ?? ""}`)
      .uuid();
  }

  /** Publishes a result-update until the broker confirms it, backing off between tries. */
  private async send(result: ResultState, messageId: string): Promise<void> {
    const route: Route = { to: "hub", kind: "result", nodeId: this.nodeId };
    for (let attempt = 1; ; attempt++) {
      const body = encodeMessage({ type: "result-update", messageId, sentAt: this.iso(), nodeId: this.nodeId, result });
      try {
        await this.transport.publish(route, body, { messageId });
        break;
      } catch (error) {
        if (this.stopping.signal.aborted) throw error;
        this.count.publishRetries++;
        const delayMs = backoffDelay(attempt, this.random, 30_000);
        this.log.warn({ resultId: result.id, attempt, delayMs, err: error }, "publishing a result-update failed; retrying");
        await this.wait(delayMs);
      }
    }
    this.count.updatesSent++;
    this.observer.onSent?.(result);
    await this.ledger.recordPublished(result.id, result.versionInfo.itemVersion);
    if (isFinal(result.status)) this.log.debug({ resultId: result.id, status: result.status, count: result.count }, "result final");
  }

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = this.clock.setTimeout(() => {
      if (this.state !== "running") return;
      this.heartbeatInFlight = this.heartbeat();
      this.scheduleHeartbeat();
    }, this.heartbeatMs);
  }

  /** Liveness only: a lost heartbeat is replaced by the next one, so it is not retried. */
  private async heartbeat(): Promise<void> {
    const messageId = this.random.uuid();
    const body = encodeMessage({
      type: "node-heartbeat",
      messageId,
      sentAt: this.iso(),
      nodeId: this.nodeId,
      activeQueries: this.active.size,
    });
    try {
      await this.transport.publish({ to: "hub", kind: "heartbeat", nodeId: this.nodeId }, body, { messageId });
      this.count.heartbeatsSent++;
      if (this.heartbeatFailing) this.log.info("heartbeats published again");
      this.heartbeatFailing = false;
    } catch (error) {
      // Said once per outage, not once per interval.
      this.log[this.heartbeatFailing ? "debug" : "warn"]({ err: error }, "heartbeat not published");
      this.heartbeatFailing = true;
    }
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

/** Builds a node agent and starts it. */
export async function startNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  const agent = new NodeAgent(options);
  await agent.start();
  return agent;
}
