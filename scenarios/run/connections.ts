import type { EmbeddedNetwork } from "../../cluster/embedded/network.ts";
import { FaultyTransport, reportFate, senderOf, TransitTransport } from "../../shared/faults/mod.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Transport } from "../../shared/ports/transport.ts";
import { MemoryTransport, memoryNames } from "../../shared/transport/memory/mod.ts";
import { brokerEntry, createTransport } from "../../shared/transport/mod.ts";
import { nodeBrokerUser } from "../../trust/identity.ts";
import { type RunContext, SIMULATED } from "./context.ts";
import { SettlementTap } from "./settlements.ts";

/** The broker user an operator's tool publishes as on the memory broker: a plain user, of no node (trust/identity.ts). */
const OPERATOR_USER = "operator";
/** The development user every site shares on a broker without per-node users: of no node either. */
const SHARED_USER = "guest";
/** The side connections of no node, by label: a reader publishes nothing, so it is nobody. */
const PLAIN_USERS = new Map<string, string | undefined>([
  ["reader", undefined],
  ["operator", OPERATOR_USER],
  ["shared", SHARED_USER],
]);

/**
 * How a run reaches its broker: the clock it runs on, each participant's raw connection, the
 * faults at the ports wrapped around it, connections on the side (replays, poison, the dead-letter
 * reader), and what is left on the broker afterwards. On the memory broker the run is a function of
 * its seed, and the broker injects transit faults inside itself; around a real broker's client a
 * wrapper does.
 */
export class RunConnections {
  readonly prefix: string;
  private network: EmbeddedNetwork | undefined;
  private readonly sides = new Map<string, Promise<Transport>>();

  constructor(private readonly run: RunContext) {
    const name = run.scenario.name.slice(0, 20);
    this.prefix = this.simulated ? "qnet" : (run.options.prefix ?? `scn-${name}-${run.start.toString(36)}`);
  }

  get clock(): Clock {
    return this.run.clock;
  }

  get simulated(): boolean {
    return this.run.transport === SIMULATED;
  }

  /** The network runs: on the memory broker, transit faults go into the broker, and what they do is counted. */
  attach(network: EmbeddedNetwork): void {
    this.network = network;
    if (!this.simulated) return;
    const { board, history } = this.run;
    const names = memoryNames(this.prefix);
    board.onTransitChange((faults) => network.broker.faults.setAll(faults));
    network.broker.watchTransit((message, fate) => {
      const route = names.routeOf(message.address, message.deadReason);
      if (route) reportFate(history, senderOf(route), route, fate);
    });
  }

  /** A connection to the broker, as `label`; on the memory broker the one `memory` makes. */
  async raw(label: string, memory: () => Transport): Promise<Transport> {
    if (this.simulated) return memory();
    const { transport, clock, random, log } = this.run;
    const { config } = this.run.options;
    if (!config) throw new Error(`a run on ${transport} needs the broker configuration`);
    return createTransport(
      { ...config, QNET_TRANSPORT: transport, QNET_PREFIX: this.prefix },
      { clock, random: random.fork(label), log, connectionName: label },
    );
  }

  /**
   * The faults at a participant's ports around its connection; `who` is "hub" or a node id; a twin
   * consumes copies. Around the hub's, the settlements it gives are written into the history.
   */
  wrap(inner: Transport, who: string, label: string, twin = false): Transport {
    const { board, history: tap, clock, faultRandom } = this.run;
    const transit = this.simulated
      ? inner
      : new TransitTransport(inner, who, { faults: () => board.transit, clock, random: faultRandom.fork(`transit:${label}`), tap });
    const faulty = new FaultyTransport(transit, who, { board, clock, random: faultRandom.fork(label), tap, twin });
    return who === "hub"
      ? new SettlementTap(
          faulty,
          (s) => tap.settled(s),
          (r) => tap.handed(r),
        )
      : faulty;
  }

  /** A connection on the network's memory broker that publishes as `user` (as nobody when undefined). */
  memoryAs(user: string | undefined): () => Transport {
    return () => {
      if (!this.network) throw new Error("a connection beside the participants before the network started");
      return new MemoryTransport(this.network.broker, { prefix: this.prefix, user });
    };
  }

  /** The broker user a node publishes as: its own, as on a broker with per-process users. */
  userOf(nodeId: string): string {
    return nodeBrokerUser(this.prefix, nodeId);
  }

  /**
   * A connection that publishes as the node, reads as nobody ("reader"), or publishes as a user
   * that speaks for no node: an operator's ("operator"), or the development user the sites share
   * ("shared"); opened on first use and kept.
   */
  side(nodeId: string): Promise<Transport> {
    let c = this.sides.get(nodeId);
    if (!c) {
      const user = PLAIN_USERS.has(nodeId) ? PLAIN_USERS.get(nodeId) : this.userOf(nodeId);
      c = this.raw(`side-${nodeId}`, this.memoryAs(user));
      this.sides.set(nodeId, c);
    }
    return c;
  }

  /** Closes the side connections, and deletes what the run declared on a real broker. */
  async close(nodeIds: readonly string[]): Promise<void> {
    for (const c of this.sides.values()) await (await c).close();
    const { transport } = this.run;
    const { config } = this.run.options;
    if (this.simulated || !config) return;
    try {
      await brokerEntry(transport).deletePrefix(config, this.prefix, nodeIds);
    } catch {
      // Leftover test topology under a unique prefix harms no one.
    }
  }
}
