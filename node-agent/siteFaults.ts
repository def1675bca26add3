import type { Logger } from "../shared/log.ts";
import type { Clock, Timer } from "../shared/ports/clock.ts";
import type { Random } from "../shared/ports/random.ts";
import type { Delivery, Subscription, Transport } from "../shared/ports/transport.ts";
import {
  applyLiveFault,
  decodeFaultControl,
  FaultBoard,
  type FaultedNetwork,
  FaultyTransport,
  type LiveFault,
  TransitTransport,
  type WireTap,
} from "../shared/faults/mod.ts";

export interface SiteFaultsOptions {
  nodeId: string;
  clock: Clock;
  random: Random;
  log: Logger;
  /** Whether the site's agent runs. */
  running: () => boolean;
  /** The agent stops and its connection drops, as when its process dies. */
  crash: () => Promise<void>;
  /** A new agent on a new connection, continuing from the site's ledger. */
  restart: () => Promise<void>;
}

interface InForce {
  fault: LiveFault;
  expiry: Timer;
}

const unavailable = (what: string) => () => {
  throw new Error(`${what} is a scenario's fault, not a live one`);
};

/**
 * The live faults of one site's process: a fault board around its agent's connection, and the
 * control destination (`<p>.control.<nodeId>`) the hub sends faults to. The faults are the fault
 * table's own: the board and the crash and restart of the agent are the network they act on. Each
 * fault heals by itself at its end, so one outlives neither its window nor the hub that added it;
 * the control connection is apart from the agent's, so a crashed site still hears its restart.
 */
export class SiteFaults {
  readonly board: FaultBoard;
  private readonly inForce = new Map<string, InForce>();
  private readonly network: FaultedNetwork;
  private readonly tap: WireTap;
  private subscription: Subscription | undefined;
  /** Control messages are applied one at a time, in the order they came. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: SiteFaultsOptions) {
    const { nodeId, clock, random, log } = options;
    this.board = new FaultBoard(clock);
    this.tap = {
      faulted: (who, what) => log.debug({ who, what }, "live fault acted"),
      published: () => undefined,
      handled: () => undefined,
    };
    this.network = {
      board: this.board,
      random: random.fork("live-faults"),
      clock,
      ms: (faultMs) => faultMs,
      nodeIds: [nodeId],
      running: () => options.running(),
      crashNode: () => options.crash(),
      startNode: () => options.restart(),
      restartHub: unavailable("a hub crash"),
      replicas: 1,
      crashReplica: unavailable("a hub replica crash"),
      stopReplica: unavailable("a hub replica stop"),
      startReplica: unavailable("a hub replica crash"),
      startTwin: unavailable("a twin"),
      stopTwin: unavailable("a twin"),
      connectionAs: unavailable("a connection as the node"),
      operatorConnection: unavailable("an operator's connection"),
      sharedUserConnection: unavailable("a shared user's connection"),
      nodeUsers: false,
      publishedUpdates: [],
      publishedRunQueries: [],
      deadLetters: [],
      knownQueryId: () => undefined,
      // A site's own faults forge nothing in another's name.
      forged: () => {},
      faulted: this.tap.faulted,
    };
  }

  /** The agent's connection with the site's faults around it: a partition at its ports, transit faults on what it publishes. */
  wrap(raw: Transport): Transport {
    const { nodeId, clock, random } = this.options;
    const deps = { clock, tap: this.tap };
    const transit = new TransitTransport(raw, nodeId, { ...deps, faults: () => this.board.transit, random: random.fork("transit") });
    return new FaultyTransport(transit, nodeId, { ...deps, board: this.board, random: random.fork("ports") });
  }

  /** Takes the site's faults from its control destination, on a connection of its own. */
  async listen(control: Transport): Promise<void> {
    const { nodeId } = this.options;
    await control.declare({ role: "node", nodeId });
    this.subscription = await control.consume({ from: "control", nodeId }, (d) => this.onControl(d), { prefetch: 16 });
  }

  /** The faults in force, oldest first. */
  faults(): LiveFault[] {
    return [...this.inForce.values()].map((f) => f.fault);
  }

  private onControl(delivery: Delivery): Promise<void> {
    return this.serially(() => this.handle(delivery));
  }

  private serially(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async handle(delivery: Delivery): Promise<void> {
    const { nodeId, clock, log } = this.options;
    const decoded = decodeFaultControl(delivery.body);
    if (!decoded.ok) {
      log.warn({ reason: decoded.reason }, "control message refused");
      return delivery.deadLetter(`control message refused: ${decoded.reason}`);
    }
    const message = decoded.message;
    if (message.fault.nodeId !== nodeId) return delivery.deadLetter(`a fault for ${message.fault.nodeId} reached ${nodeId}`);
    if (message.action === "lift") await this.lift(message.faultId, "removed");
    else if (message.until > clock.now() && !this.inForce.has(message.faultId)) {
      const expiry = clock.setTimeout(() => void this.serially(() => this.lift(message.faultId, "expired")), message.until - clock.now());
      this.inForce.set(message.faultId, { fault: message.fault, expiry });
      log.warn({ faultId: message.faultId, fault: message.fault, until: new Date(message.until).toISOString() }, "live fault applied");
      await this.settle(applyLiveFault("apply", message.fault, this.network), message.faultId);
    }
    await delivery.ack();
  }

  private async lift(faultId: string, why: "removed" | "expired"): Promise<void> {
    const entry = this.inForce.get(faultId);
    if (!entry) return;
    this.inForce.delete(faultId);
    this.options.clock.clearTimeout(entry.expiry);
    this.options.log.warn({ faultId, fault: entry.fault, why }, "live fault lifted");
    await this.settle(applyLiveFault("lift", entry.fault, this.network), faultId);
  }

  /** A fault that fails to act (a restart that cannot connect yet) is logged; the site's process goes on. */
  private async settle(acting: Promise<void>, faultId: string): Promise<void> {
    await acting.catch((err: unknown) => this.options.log.error({ faultId, err: (err as Error).message }, "live fault failed to act"));
  }

  /** Stops listening; the faults in force go with the process (a crashed agent is not started again). */
  async stop(): Promise<void> {
    await this.subscription?.stop();
    await this.queue;
    for (const entry of this.inForce.values()) this.options.clock.clearTimeout(entry.expiry);
    this.inForce.clear();
  }
}
