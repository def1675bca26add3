import type { NodeProfileName } from "../shared/config.ts";
import type { Logger } from "../shared/log.ts";
import { silentLogger } from "../shared/log.ts";
import type { Clock } from "../shared/ports/clock.ts";
import type { Random } from "../shared/ports/random.ts";
import type { Subscription, Transport } from "../shared/ports/transport.ts";
import { type Obfuscation, SHRINE_OBFUSCATION } from "../shared/protocol/items.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { Heartbeat } from "./heartbeat.ts";
import { RunQueryIntake } from "./intake.ts";
import type { DatePrint } from "./datePrint.ts";
import type { OptionalField } from "./leaveOut.ts";
import { MemoryLedger, type NodeLedger } from "./ledger.ts";
import type { NodeObserver } from "./observer.ts";
import { DEFAULT_POPULATION_SIZE, generatePopulation, type Population } from "./population.ts";
import { type LatencyProfile, PROFILES } from "./profile.ts";
import { ResultPublisher } from "./publisher.ts";
import { ResultRuns } from "./resultRuns.ts";
import { Waits } from "./waits.ts";

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
  /** How the site blurs its counts and breakdown cells; SHRINE's parameters by default. */
  obfuscation?: Obfuscation;
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
  /** The optional fields of a result state the node leaves out, as a node of the original contract does; none by default. */
  leaveOut?: readonly OptionalField[];
  /** How the node prints the instants of its states; to the millisecond by default. */
  dates?: DatePrint;
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
  private readonly profile: LatencyProfile;
  private readonly ledger: NodeLedger;
  private readonly log: Logger;
  private readonly prefetch: number;
  private readonly waits: Waits;
  private readonly publisher: ResultPublisher;
  private readonly runs: ResultRuns;
  private readonly intake: RunQueryIntake;
  private readonly heartbeat: Heartbeat;
  /** Results taken up again from the ledger at start. */
  private resumed = 0;
  private subscription: Subscription | undefined;
  private state: "new" | "running" | "stopped" = "new";

  constructor(options: NodeAgentOptions) {
    const { nodeId, transport, clock, random } = options;
    this.nodeId = nodeId;
    this.transport = transport;
    this.profile = typeof options.profile === "string" ? PROFILES[options.profile] : options.profile;
    this.ledger = options.ledger ?? new MemoryLedger();
    this.log = (options.log ?? silentLogger).child({ nodeId });
    this.prefetch = options.prefetch ?? 64;
    const secret = new SeededRandom(`site:${options.seed}`);
    this.population = generatePopulation({ size: options.populationSize ?? DEFAULT_POPULATION_SIZE, random: secret.fork("population") });
    const observer = options.observer ?? {};
    const running = () => this.state === "running";
    const { ledger, log } = this;
    this.waits = new Waits(clock);
    this.publisher = new ResultPublisher({ nodeId, transport, clock, random, ledger, waits: this.waits, log, observer });
    this.runs = new ResultRuns({
      clock,
      random,
      population: this.population,
      secret,
      obfuscation: options.obfuscation ?? SHRINE_OBFUSCATION,
      profile: this.profile,
      timeScale: options.timeScale ?? 1,
      ledger,
      publisher: this.publisher,
      waits: this.waits,
      log,
      observer,
      leaveOut: options.leaveOut ?? [],
      dates: options.dates ?? "millis",
    });
    this.intake = new RunQueryIntake({ nodeId, clock, ledger, log, running, take: (query) => this.runs.begin(query, undefined) });
    this.heartbeat = new Heartbeat({
      nodeId,
      transport,
      clock,
      random,
      intervalMs: options.heartbeatMs ?? 5_000,
      activeQueries: () => this.runs.size,
      running,
      log,
    });
  }

  /** Opens the ledger, declares the node's queue, resumes unfinished results, then consumes. */
  async start(): Promise<void> {
    if (this.state !== "new") throw new Error(`node agent ${this.nodeId} was started already`);
    this.state = "running";
    await this.ledger.open();
    await this.transport.declare({ role: "node", nodeId: this.nodeId });
    for (const { query, newest } of this.ledger.unfinished()) {
      this.resumed++;
      this.runs.begin(query, newest);
    }
    this.subscription = await this.transport.consume({ from: "node", nodeId: this.nodeId }, (d) => this.intake.onDelivery(d), {
      prefetch: this.prefetch,
    });
    this.heartbeat.start();
    this.log.info({ profile: this.profile.name, population: this.population.size, resumed: this.resumed }, "node agent started");
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
    const lastBeat = this.heartbeat.stop();
    this.waits.abandonAll(new Error(`node agent ${this.nodeId} stopping`));
    await Promise.allSettled([...this.runs.inProgress(), ...this.intake.inProgress(), lastBeat]);
    if (wasRunning) await this.ledger.close();
    this.log.info({ ...this.counters() }, "node agent stopped");
  }

  counters(): NodeAgentCounters {
    return {
      runQueriesReceived: this.intake.runQueriesReceived,
      duplicateRunQueries: this.intake.duplicateRunQueries,
      deadLettered: this.intake.deadLettered,
      updatesSent: this.publisher.updatesSent,
      publishRetries: this.publisher.publishRetries,
      heartbeatsSent: this.heartbeat.sent,
      resumed: this.resumed,
    };
  }

  /** Results not yet final at this node. */
  activeQueries(): number {
    return this.runs.size;
  }
}

/** Builds a node agent and starts it. */
export async function startNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  const agent = new NodeAgent(options);
  await agent.start();
  return agent;
}
