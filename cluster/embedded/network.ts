import type { NodeProfileName } from "../../shared/config.ts";
import { type Logger, silentLogger } from "../../shared/log.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Random } from "../../shared/ports/random.ts";
import type { HubPolicy } from "../../shared/apply/policy.ts";
import type { Store } from "../../shared/ports/store.ts";
import type { Obfuscation } from "../../shared/protocol/items.ts";
import type { Transport } from "../../shared/ports/transport.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import { type MemoryBroker, MemoryTransport, type TransitPlan, createMemoryBroker } from "../../shared/transport/memory/mod.ts";
import { NodeAgent } from "../../node-agent/agent.ts";
import type { NodeObserver } from "../../node-agent/observer.ts";
import { MemoryLedger, type NodeLedger } from "../../node-agent/ledger.ts";
import type { LatencyProfile } from "../../node-agent/profile.ts";
import { SiteFaults } from "../../node-agent/siteFaults.ts";
import { type Hub, startHub } from "../../hub/hub.ts";

export interface EmbeddedNode {
  nodeId: string;
  profile: NodeProfileName | LatencyProfile;
  /** The site's secret seed; the node id when absent. */
  seed?: string;
  populationSize?: number;
  /** How the site blurs its counts and breakdown cells; SHRINE's parameters when absent. */
  obfuscation?: Obfuscation;
}

/** Who opens a connection to the broker: the hub, or one incarnation of a node agent. */
export type Participant = { role: "hub" } | { role: "node"; nodeId: string; incarnation: number };

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
   * A participant's connection to the broker; a MemoryTransport on this network's broker when
   * absent. Scenarios wrap it to inject faults at the ports, or connect to RabbitMQ or NATS.
   */
  connect?: (who: Participant, onMemoryBroker: () => Transport) => Transport | Promise<Transport>;
  /** The clock a site reads; the network's clock when absent (a scenario skews it). */
  nodeClock?: (nodeId: string) => Clock;
  resultTimeoutMs?: number;
  heartbeatMs?: number;
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
}

/**
 * The whole network in one process: one memory broker, a store, the hub, and a node agent per
 * site, each participant on its own connection to the broker, as separate processes would be.
 */
export class EmbeddedNetwork {
  readonly agents = new Map<string, NodeAgent>();
  private readonly ledgers = new Map<string, NodeLedger>();
  private readonly transports = new Map<string, Transport>();
  /** Each site's live faults and the connection it hears them on, with `liveFaults`. */
  private readonly sites = new Map<string, { faults: SiteFaults; control: Transport }>();
  private incarnation = 0;
  private hubIncarnation = 0;

  private constructor(
    readonly options: EmbeddedNetworkOptions,
    readonly broker: MemoryBroker,
    readonly store: Store,
    public hub: Hub,
    private hubTransport: Transport,
  ) {}

  static async start(options: EmbeddedNetworkOptions): Promise<EmbeddedNetwork> {
    const { clock, random } = options;
    const broker = createMemoryBroker({ clock, random: random.fork("broker"), faults: options.faults });
    const store = options.store ?? new MemoryStore({ clock });
    const hubTransport = await connectTo(options, broker, { role: "hub" });
    const hub = await launchHub(options, hubTransport, store, 0);
    const network = new EmbeddedNetwork(options, broker, store, hub, hubTransport);
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
    const control = new MemoryTransport(this.broker, { prefix: this.options.prefix, user: nodeId });
    await faults.listen(control);
    this.sites.set(nodeId, { faults, control });
  }

  /**
   * A hub crash and restart: its connection drops (what it held unacknowledged is redelivered),
   * then a new hub starts over the same store and rebuilds its view from it.
   */
  async restartHub(): Promise<Hub> {
    await this.hubTransport.close();
    await this.hub.stop().catch(() => undefined);
    this.hubTransport = await connectTo(this.options, this.broker, { role: "hub" });
    this.hub = await launchHub(this.options, this.hubTransport, this.store, ++this.hubIncarnation);
    return this.hub;
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
    await this.hub.stop();
    await this.hubTransport.close();
    await this.store.close();
  }
}

function connectTo(options: EmbeddedNetworkOptions, broker: MemoryBroker, who: Participant): Promise<Transport> {
  const onMemoryBroker = () =>
    new MemoryTransport(broker, {
      prefix: options.prefix,
      deliveryLimit: options.deliveryLimit,
      user: who.role === "node" ? who.nodeId : undefined,
    });
  return Promise.resolve(options.connect ? options.connect(who, onMemoryBroker) : onMemoryBroker());
}

function launchHub(options: EmbeddedNetworkOptions, transport: Transport, store: Store, incarnation: number): Promise<Hub> {
  return startHub({
    transport,
    store,
    clock: options.clock,
    random: options.random.fork(incarnation === 0 ? "hub" : `hub:${incarnation}`),
    log: (options.log ?? silentLogger).child({ component: "hub" }),
    nodeIds: options.nodes.map((n) => n.nodeId),
    resultTimeoutMs: options.resultTimeoutMs ?? 300_000,
    heartbeatMs: options.heartbeatMs ?? 5_000,
    prefetch: options.prefetch ?? 256,
    tokens: options.tokens,
    policy: options.policy,
  });
}
