import type { NodeProfileName } from "../../shared/config.ts";
import { type Logger, silentLogger } from "../../shared/log.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Random } from "../../shared/ports/random.ts";
import type { Store } from "../../shared/ports/store.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import { type FaultPlan, type MemoryBroker, MemoryTransport, createMemoryBroker } from "../../shared/transport/memory/mod.ts";
import { NodeAgent } from "../../node-agent/agent.ts";
import { MemoryLedger, type NodeLedger } from "../../node-agent/ledger.ts";
import type { LatencyProfile } from "../../node-agent/profile.ts";
import { type Hub, startHub } from "../hub.ts";

export interface EmbeddedNode {
  nodeId: string;
  profile: NodeProfileName | LatencyProfile;
  /** The site's secret seed; the node id when absent. */
  seed?: string;
  populationSize?: number;
}

export interface EmbeddedNetworkOptions {
  clock: Clock;
  random: Random;
  nodes: readonly EmbeddedNode[];
  log?: Logger;
  prefix?: string;
  /** Faults the memory broker injects in transit (duplicates, reordering, delay). */
  faults?: FaultPlan;
  store?: Store;
  resultTimeoutMs?: number;
  heartbeatMs?: number;
  /** Multiplies every node latency: below 1 runs the sites faster. */
  timeScale?: number;
  prefetch?: number;
  deliveryLimit?: number;
  /** Patients per site unless a node names its own. */
  populationSize?: number;
}

/**
 * The whole network in one process: one memory broker, a store, the hub, and a node agent per
 * site, each participant on its own connection to the broker, as separate processes would be.
 */
export class EmbeddedNetwork {
  readonly agents = new Map<string, NodeAgent>();
  private readonly ledgers = new Map<string, NodeLedger>();
  private readonly transports = new Map<string, MemoryTransport>();
  private incarnation = 0;

  private constructor(
    readonly options: EmbeddedNetworkOptions,
    readonly broker: MemoryBroker,
    readonly store: Store,
    readonly hub: Hub,
    private readonly hubTransport: MemoryTransport,
  ) {}

  static async start(options: EmbeddedNetworkOptions): Promise<EmbeddedNetwork> {
    const { clock, random } = options;
    const log = options.log ?? silentLogger;
    const broker = createMemoryBroker({ clock, random: random.fork("broker"), faults: options.faults });
    const store = options.store ?? new MemoryStore({ clock });
    const hubTransport = new MemoryTransport(broker, { prefix: options.prefix, deliveryLimit: options.deliveryLimit });
    const hub = await startHub({
      transport: hubTransport,
      store,
      clock,
      random: random.fork("hub"),
      log: log.child({ component: "hub" }),
      nodeIds: options.nodes.map((n) => n.nodeId),
      resultTimeoutMs: options.resultTimeoutMs ?? 300_000,
      heartbeatMs: options.heartbeatMs ?? 5_000,
      prefetch: options.prefetch ?? 256,
    });
    const network = new EmbeddedNetwork(options, broker, store, hub, hubTransport);
    for (const node of options.nodes) await network.startNode(node.nodeId);
    return network;
  }

  /** Starts (or starts again) one site; with `loseState` it forgets what it had recorded. */
  async startNode(nodeId: string, opts: { loseState?: boolean } = {}): Promise<NodeAgent> {
    const spec = this.options.nodes.find((n) => n.nodeId === nodeId);
    if (!spec) throw new Error(`no node ${nodeId} in this network`);
    if (opts.loseState || !this.ledgers.has(nodeId)) this.ledgers.set(nodeId, new MemoryLedger());
    const transport = new MemoryTransport(this.broker, {
      prefix: this.options.prefix,
      deliveryLimit: this.options.deliveryLimit,
      user: nodeId,
    });
    const agent = new NodeAgent({
      nodeId,
      transport,
      clock: this.options.clock,
      random: this.options.random.fork(`node:${nodeId}:${this.incarnation++}`),
      profile: spec.profile,
      seed: spec.seed ?? nodeId,
      populationSize: spec.populationSize ?? this.options.populationSize,
      ledger: this.ledgers.get(nodeId),
      log: (this.options.log ?? silentLogger).child({ component: "node-agent" }),
      heartbeatMs: this.options.heartbeatMs ?? 5_000,
      timeScale: this.options.timeScale,
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
    for (const nodeId of [...this.agents.keys()]) {
      await this.agents.get(nodeId)?.stop();
      await this.transports.get(nodeId)?.close();
    }
    await this.hub.stop();
    await this.hubTransport.close();
    await this.store.close();
  }
}
