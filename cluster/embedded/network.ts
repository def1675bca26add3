import type { NodeProfileName } from "../../shared/config.ts";
import { type Logger, silentLogger } from "../../shared/log.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Random } from "../../shared/ports/random.ts";
import type { HubPolicy } from "../../shared/apply/policy.ts";
import type { Lease } from "../../shared/ports/lease.ts";
import type { Store } from "../../shared/ports/store.ts";
import type { Obfuscation } from "../../shared/protocol/items.ts";
import type { Transport } from "../../shared/ports/transport.ts";
import { LeaseBoard } from "../../shared/lease/inProcess.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import { type MemoryBroker, MemoryTransport, type TransitPlan, createMemoryBroker } from "../../shared/transport/memory/mod.ts";
import { NodeAgent } from "../../node-agent/agent.ts";
import type { DatePrint } from "../../node-agent/datePrint.ts";
import type { OptionalField } from "../../node-agent/leaveOut.ts";
import type { NodeObserver } from "../../node-agent/observer.ts";
import { MemoryLedger, type NodeLedger } from "../../node-agent/ledger.ts";
import type { LatencyProfile } from "../../node-agent/profile.ts";
import { SiteFaults } from "../../node-agent/siteFaults.ts";
import { type Hub, startHub } from "../../hub/hub.ts";
import { hubBrokerUser, nodeBrokerUser } from "../../trust/identity.ts";

export interface EmbeddedNode {
  nodeId: string;
  profile: NodeProfileName | LatencyProfile;
  /** The site's secret seed; the node id when absent. */
  seed?: string;
  populationSize?: number;
  /** How the site blurs its counts and breakdown cells; SHRINE's parameters when absent. */
  obfuscation?: Obfuscation;
  /** The optional fields of a result state the site leaves out; none when absent. */
  leaveOut?: readonly OptionalField[];
  /** How the site prints the instants of its states; to the millisecond when absent. */
  dates?: DatePrint;
}

/** Who opens a connection to the broker: the hub, or one incarnation of a node agent. */
export type Participant = { role: "hub"; replica: number } | { role: "node"; nodeId: string; incarnation: number };

export interface EmbeddedNetworkOptions {
  clock: Clock;
  random: Random;
  nodes: readonly EmbeddedNode[];
  log?: Logger;
  prefix?: string;
  /** Faults the memory broker injects in transit (duplicates, reordering, delay). */
  faults?: TransitPlan;
  store?: Store;
  /**
   * The store each start of a replica writes through, of its own over the one database `store`
   * is, as a replica's process has; `store` itself when absent. The network closes it when that
   * replica stops.
   */
  replicaStore?: (replica: number) => Store;
  /** Hub replicas over the one store, sharing the singleton duties through one board of leases; 1 when absent. */
  hubs?: number;
  /**
   * A participant's connection to the broker; a MemoryTransport on this network's broker when
   * absent. Scenarios wrap it to inject faults at the ports, or connect to RabbitMQ or NATS.
   */
  connect?: (who: Participant, onMemoryBroker: () => Transport) => Transport | Promise<Transport>;
  /** The clock a site reads; the network's clock when absent (a scenario skews it). */
  nodeClock?: (nodeId: string) => Clock;
  resultTimeoutMs?: number;
  heartbeatMs?: number;
  /** Store positions between the hub's view snapshots (HubOptions.snapshotEvery). */
  snapshotEvery?: number;
  /** States and conflict records the hub's view reads from the store at a time (HubOptions.feedPageSize). */
  feedPageSize?: number;
  /** How often the hub's view reads the store on with no wake-up (HubOptions.feedPollMs); 0 never does. */
  feedPollMs?: number;
  /** Multiplies every node latency: below 1 runs the sites faster. */
  timeScale?: number;
  prefetch?: number;
  deliveryLimit?: number;
  /** Patients per site unless a node names its own. */
  populationSize?: number;
  /** Bearer tokens the API asks of writes (required off loopback). */
  tokens?: readonly string[];
  /** Told what every node agent counts and sends, each incarnation of it alike (NodeAgentOptions.observer). */
  observer?: NodeObserver;
  /**
   * Each site takes live faults from its control destination, as a node-agent process does
   * (`npm start`); a scenario schedules its own faults instead.
   */
  liveFaults?: boolean;
  /** What the hub announces of how its store applies proposals (the store's planner does it). */
  policy?: HubPolicy;
  /**
   * A new holder of the lease on the singleton duties, for each replica that starts; holders on one
   * board in this process when absent. Replicas some of which run in other processes share one
   * that those processes can see (an advisory lock).
   */
  lease?: () => Lease;
}

/** One hub replica's process: its hub (the last one it ran, while it is down), its connection and the store it writes through. */
interface Replica {
  hub: Hub | undefined;
  transport: Transport | undefined;
  store: Store | undefined;
  running: boolean;
}

/**
 * The whole network in one process: one memory broker, a store, the hub (or several replicas of
 * it over the one store), and a node agent per site, each participant on its own connection to the
 * broker, as separate processes would be.
 */
export class EmbeddedNetwork {
  readonly agents = new Map<string, NodeAgent>();
  private readonly ledgers = new Map<string, NodeLedger>();
  private readonly transports = new Map<string, Transport>();
  /** Each site's live faults and the connection it hears them on, with `liveFaults`. */
  private readonly sites = new Map<string, { faults: SiteFaults; control: Transport }>();
  private readonly replicas: Replica[];
  /** Every hub the network started, crashed and restarted ones included, in the order they started: its replica, and when. */
  readonly started: { hub: Hub; replica: number; at: number }[] = [];
  /** The replicas' leases on the singleton duties: a crashed replica's holder lets go, as its connection would. */
  private readonly leases = new LeaseBoard();
  private incarnation = 0;
  private hubIncarnation = 0;

  private constructor(
    readonly options: EmbeddedNetworkOptions,
    readonly broker: MemoryBroker,
    readonly store: Store,
  ) {
    this.replicas = Array.from({ length: Math.max(1, options.hubs ?? 1) }, () => ({
      hub: undefined,
      transport: undefined,
      store: undefined,
      running: false,
    }));
  }

  static async start(options: EmbeddedNetworkOptions): Promise<EmbeddedNetwork> {
    const { clock, random } = options;
    const broker = createMemoryBroker({ clock, random: random.fork("broker"), faults: options.faults });
    const store = options.store ?? new MemoryStore({ clock });
    const network = new EmbeddedNetwork(options, broker, store);
    for (let i = 0; i < network.replicas.length; i++) await network.startReplica(i);
    if (options.liveFaults) for (const node of options.nodes) await network.listenForFaults(node.nodeId);
    for (const node of options.nodes) await network.startNode(node.nodeId);
    return network;
  }

  private async listenForFaults(nodeId: string): Promise<void> {
    const faults = new SiteFaults({
      nodeId,
      clock: this.options.clock,
      random: this.options.random.fork(`faults:${nodeId}`),
      log: (this.options.log ?? silentLogger).child({ component: "node-agent", nodeId }),
      running: () => this.agents.has(nodeId),
      crash: () => this.crashNode(nodeId),
      restart: async () => void (await this.startNode(nodeId)),
    });
    const control = new MemoryTransport(this.broker, {
      prefix: this.options.prefix,
      user: nodeBrokerUser(this.options.prefix ?? "qnet", nodeId),
    });
    await faults.listen(control);
    this.sites.set(nodeId, { faults, control });
  }

  /** The hub: the first replica that runs; while none does, the first replica's last hub. */
  get hub(): Hub {
    const replica = this.replicas.find((r) => r.running) ?? this.replicas[0];
    if (!replica?.hub) throw new Error("no hub replica has started");
    return replica.hub;
  }

  /** Each replica's hub, undefined while it is down. */
  get hubs(): readonly (Hub | undefined)[] {
    return this.replicas.map((r) => (r.running ? r.hub : undefined));
  }

  /** A replica's hub, running or the last it ran while it is down; undefined before it first started. */
  lastHub(replica: number): Hub | undefined {
    return this.replicas[replica]?.hub;
  }

  /**
   * A hub crash and restart: its connection drops (what it held unacknowledged is redelivered),
   * then a new hub starts over the same store and rebuilds its view from it. With replicas, the first.
   */
  async restartHub(): Promise<Hub> {
    await this.crashReplica(0);
    return this.startReplica(0);
  }

  /** A replica's process dies: its connection drops, its hub stops, its lease goes with it. */
  async crashReplica(replica: number): Promise<void> {
    const r = this.replicaAt(replica);
    if (!r.running) return;
    r.running = false;
    await r.transport?.close();
    await r.hub?.stop().catch(() => undefined);
    await this.closeStoreOf(r);
  }

  /**
   * A replica stopped as an operator's rolling restart stops it (SIGTERM): its hub stops consuming
   * and finishes what it was handed, and only then its connection closes (`closing` is told just before).
   */
  async stopReplica(replica: number, closing: () => void = () => {}): Promise<void> {
    const r = this.replicaAt(replica);
    if (!r.running) return;
    r.running = false;
    await r.hub?.stop();
    closing();
    await r.transport?.close();
    await this.closeStoreOf(r);
  }

  /** Starts a replica (again) over the store: it rebuilds its view and competes for the duties. */
  async startReplica(replica: number): Promise<Hub> {
    const r = this.replicaAt(replica);
    if (r.running && r.hub) return r.hub;
    const transport = await connectTo(this.options, this.broker, { role: "hub", replica });
    r.transport = transport;
    const lease = this.options.lease?.() ?? this.leases.lease();
    r.store = this.options.replicaStore?.(replica);
    r.hub = await launchHub(this.options, transport, r.store ?? this.store, this.hubIncarnation++, lease);
    this.started.push({ hub: r.hub, replica, at: this.options.clock.now() });
    r.running = true;
    return r.hub;
  }

  /** A replica's own store, once its hub stopped: a process's store goes with it. */
  private async closeStoreOf(r: Replica): Promise<void> {
    const store = r.store;
    r.store = undefined;
    await store?.close();
  }

  private replicaAt(replica: number): Replica {
    const r = this.replicas[replica];
    if (!r) throw new Error(`no hub replica ${replica} in this network of ${this.replicas.length}`);
    return r;
  }

  /** Starts (or starts again) one site; with `loseState` it forgets what it had recorded. */
  async startNode(nodeId: string, opts: { loseState?: boolean } = {}): Promise<NodeAgent> {
    const spec = this.options.nodes.find((n) => n.nodeId === nodeId);
    if (!spec) throw new Error(`no node ${nodeId} in this network`);
    if (opts.loseState || !this.ledgers.has(nodeId)) this.ledgers.set(nodeId, new MemoryLedger());
    const incarnation = this.incarnation++;
    const raw = await connectTo(this.options, this.broker, { role: "node", nodeId, incarnation });
    const transport = this.sites.get(nodeId)?.faults.wrap(raw) ?? raw;
    const agent = new NodeAgent({
      nodeId,
      transport,
      clock: this.options.nodeClock?.(nodeId) ?? this.options.clock,
      random: this.options.random.fork(`node:${nodeId}:${incarnation}`),
      profile: spec.profile,
      seed: spec.seed ?? nodeId,
      populationSize: spec.populationSize ?? this.options.populationSize,
      obfuscation: spec.obfuscation,
      ...(spec.leaveOut && { leaveOut: spec.leaveOut }),
      ...(spec.dates && { dates: spec.dates }),
      ledger: this.ledgers.get(nodeId),
      log: (this.options.log ?? silentLogger).child({ component: "node-agent" }),
      heartbeatMs: this.options.heartbeatMs ?? 5_000,
      timeScale: this.options.timeScale,
      observer: this.options.observer,
    });
    await agent.start();
    this.agents.set(nodeId, agent);
    this.transports.set(nodeId, transport);
    return agent;
  }

  /** A crash: the node's connection drops, what it held unacknowledged goes back to its queue. */
  async crashNode(nodeId: string): Promise<void> {
    const transport = this.transports.get(nodeId);
    this.transports.delete(nodeId);
    await transport?.close();
    await this.agents
      .get(nodeId)
      ?.stop()
      .catch(() => undefined);
    this.agents.delete(nodeId);
  }

  async stop(): Promise<void> {
    for (const { faults, control } of this.sites.values()) {
      await faults.stop();
      await control.close();
    }
    for (const nodeId of [...this.agents.keys()]) {
      await this.agents.get(nodeId)?.stop();
      await this.transports.get(nodeId)?.close();
    }
    for (const r of this.replicas) {
      if (!r.running) continue;
      await r.hub?.stop();
      await r.transport?.close();
      await this.closeStoreOf(r);
    }
    await this.store.close();
  }
}

function connectTo(options: EmbeddedNetworkOptions, broker: MemoryBroker, who: Participant): Promise<Transport> {
  const onMemoryBroker = () =>
    new MemoryTransport(broker, {
      prefix: options.prefix,
      deliveryLimit: options.deliveryLimit,
      // The users a broker with per-process users authenticates (trust/identity.ts), so the hub's edge meets them here too.
      user: who.role === "node" ? nodeBrokerUser(options.prefix ?? "qnet", who.nodeId) : hubBrokerUser(options.prefix ?? "qnet"),
    });
  return Promise.resolve(options.connect ? options.connect(who, onMemoryBroker) : onMemoryBroker());
}

function launchHub(options: EmbeddedNetworkOptions, transport: Transport, store: Store, incarnation: number, lease: Lease): Promise<Hub> {
  return startHub({
    transport,
    store,
    clock: options.clock,
    random: options.random.fork(incarnation === 0 ? "hub" : `hub:${incarnation}`),
    log: (options.log ?? silentLogger).child({ component: "hub" }),
    nodeIds: options.nodes.map((n) => n.nodeId),
    resultTimeoutMs: options.resultTimeoutMs ?? 300_000,
    heartbeatMs: options.heartbeatMs ?? 5_000,
    snapshotEvery: options.snapshotEvery,
    feedPageSize: options.feedPageSize,
    feedPollMs: options.feedPollMs,
    prefetch: options.prefetch ?? 256,
    tokens: options.tokens,
    policy: options.policy,
    lease,
  });
}
