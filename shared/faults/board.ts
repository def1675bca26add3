import type { Clock } from "../ports/clock.ts";
import type { DeliveryHandler } from "../ports/transport.ts";
import type { TransitFaults } from "./transit.ts";

/** Consumer-side faults in force at one participant. */
export interface ConsumerFaults {
  dropBeforeAck?: { probability: number; ackWaitMs: number };
  ackDelay?: { probability: number; delayMs: number; ackWaitMs: number };
  nackStorm?: { probability: number };
}

type Direction = "publish" | "consume";

/** Faults at the hub's store, striking each store step of ingest with their probability. */
export interface StoreFaults {
  /** The step fails as an aborted transaction would: nothing of the burst is stored. */
  fail?: { probability: number };
  /** The step waits `stallMs` before it begins. */
  stall?: { probability: number; stallMs: number };
  /** The step commits, and the hub hears so `stallMs` later. */
  late?: { probability: number; stallMs: number };
  /** A wake-up the store gives its watchers is lost. */
  mute?: { probability: number };
  /** A watch of the store begun now hears nothing until the fault heals: its LISTEN takes hold then. */
  deaf?: { probability: number };
}

/**
 * Where the hub may crash: in a store step of ingest, before the step commits or after it and
 * before the acks; or after a fan-out's store step commits, before its run-queries are sent.
 */
export type CrashPoint = "beforeCommit" | "afterCommit" | "afterFanOut";

/**
 * The faults in force right now, as the fault schedule switches them on and off. The wrappers
 * around the ports (Transport, Delivery, Clock) read it on every call, so a fault starts and
 * heals mid-run without restarting anyone.
 */
export class FaultBoard {
  private readonly consumer = new Map<string, ConsumerFaults>();
  private readonly partitions = new Map<string, Set<Direction>>();
  private readonly fullQueues = new Set<string>();
  private readonly healWaiters = new Map<string, (() => void)[]>();
  private readonly skews = new Map<string, number>();
  private readonly mirrors = new Map<string, DeliveryHandler>();
  private readonly transitWindows = new Map<object, TransitFaults>();
  private readonly transitWatchers: ((faults: TransitFaults) => void)[] = [];
  private inForce: TransitFaults = {};
  private storeInForce: StoreFaults = {};
  private readonly storeHealWaiters = new Map<keyof StoreFaults, (() => void)[]>();
  private readonly crashes = new Map<CrashPoint, () => void>();
  /** Publishers the broker blocks, by target ("hub", "nodes" or a node id), each with the publishes waiting for it to clear. */
  private readonly blocked = new Map<string, (() => void)[]>();

  constructor(readonly clock: Clock) {}

  /** Opens a window of transit faults; the window object closes it again. */
  openTransit(window: object, faults: TransitFaults): void {
    this.transitWindows.set(window, faults);
    this.transitChanged();
  }

  closeTransit(window: object): void {
    this.transitWindows.delete(window);
    this.transitChanged();
  }

  /** A broker that injects transit faults itself (memory) takes them as they change; a real broker's wrapper reads `transit`. */
  onTransitChange(watcher: (faults: TransitFaults) => void): void {
    this.transitWatchers.push(watcher);
  }

  /** Latency, reordering and duplication in force: every open window's, a later window's over an earlier's. */
  get transit(): TransitFaults {
    return this.inForce;
  }

  private transitChanged(): void {
    this.inForce = Object.assign({}, ...this.transitWindows.values());
    for (const watch of this.transitWatchers) watch(this.inForce);
  }

  get storeFaults(): StoreFaults {
    return this.storeInForce;
  }

  setStoreFault<K extends keyof StoreFaults>(key: K, value: StoreFaults[K] | undefined): void {
    const faults = { ...this.storeInForce };
    if (value === undefined) delete faults[key];
    else faults[key] = value;
    this.storeInForce = faults;
    if (value === undefined) wakeAll(this.storeHealWaiters, key);
  }

  /** Resolves once the store fault of this key is no longer in force. */
  async storeFaultHealed(key: keyof StoreFaults): Promise<void> {
    if (this.storeInForce[key] !== undefined) await waitIn(this.storeHealWaiters, key);
  }

  /** Arms a crash of the hub at a point of the next store step of ingest, or of the next fan-out (undefined disarms it). */
  armHubCrash(point: CrashPoint, crash: (() => void) | undefined): void {
    if (crash) this.crashes.set(point, crash);
    else this.crashes.delete(point);
  }

  /** The crash armed at a point, if any, taken off the board: it strikes once. */
  takeHubCrash(point: CrashPoint): (() => void) | undefined {
    const crash = this.crashes.get(point);
    this.crashes.delete(point);
    return crash;
  }

  /** Whether any fault at the store steps of ingest, or crash around them, is in force. */
  storeFaulted(): boolean {
    return (
      this.crashes.has("beforeCommit") ||
      this.crashes.has("afterCommit") ||
      this.storeInForce.fail !== undefined ||
      this.storeInForce.stall !== undefined ||
      this.storeInForce.late !== undefined
    );
  }

  /** Whether a crash is armed at a point. */
  hubCrashArmed(point: CrashPoint): boolean {
    return this.crashes.has(point);
  }

  /** Faults at "hub" or at a node id; a fault set on "nodes" applies to every node. */
  consumerFaults(who: string): ConsumerFaults {
    return { ...(who === "hub" ? {} : this.consumer.get("nodes")), ...this.consumer.get(who) };
  }

  setConsumerFault<K extends keyof ConsumerFaults>(target: string, key: K, value: ConsumerFaults[K] | undefined): void {
    const faults = { ...this.consumer.get(target) };
    if (value === undefined) delete faults[key];
    else faults[key] = value;
    this.consumer.set(target, faults);
  }

  /** Whether the node's queue refuses what is published to it. */
  queueFull(nodeId: string): boolean {
    return this.fullQueues.has(nodeId);
  }

  fillQueue(nodeId: string, full: boolean): void {
    if (full) this.fullQueues.add(nodeId);
    else this.fullQueues.delete(nodeId);
  }

  partitioned(nodeId: string, direction: Direction): boolean {
    return this.partitions.get(nodeId)?.has(direction) ?? false;
  }

  partition(nodeId: string, directions: readonly Direction[]): void {
    this.partitions.set(nodeId, new Set(directions));
  }

  heal(nodeId: string): void {
    this.partitions.delete(nodeId);
    wakeAll(this.healWaiters, nodeId);
  }

  /** Resolves when the node can consume again. */
  async consumable(nodeId: string): Promise<void> {
    if (this.partitioned(nodeId, "consume")) await waitIn(this.healWaiters, nodeId);
  }

  /** The broker blocks the target's publishes until unblocked: "hub" is every hub replica, "nodes" every node. */
  blockPublishes(target: string): void {
    if (!this.blocked.has(target)) this.blocked.set(target, []);
  }

  unblockPublishes(target: string): void {
    const waiting = this.blocked.get(target) ?? [];
    this.blocked.delete(target);
    for (const wake of waiting) wake();
  }

  /** Whether a publish of `who` ("hub" or a node id) waits now. */
  publishBlocked(who: string): boolean {
    return this.blockOf(who) !== undefined;
  }

  /** Resolves once no block holds `who`'s publishes. */
  async publishable(who: string): Promise<void> {
    for (let block = this.blockOf(who); block !== undefined; block = this.blockOf(who)) {
      await new Promise<void>((wake) => block?.push(wake));
    }
  }

  private blockOf(who: string): (() => void)[] | undefined {
    return this.blocked.get(who) ?? (who === "hub" ? undefined : this.blocked.get("nodes"));
  }

  skewOf(nodeId: string): number {
    return this.skews.get(nodeId) ?? 0;
  }

  setSkew(nodeId: string, offsetMs: number): void {
    this.skews.set(nodeId, offsetMs);
  }

  /** A second agent of the node gets a copy of every delivery the first one takes. */
  mirror(nodeId: string, handler: DeliveryHandler | undefined): void {
    if (handler) this.mirrors.set(nodeId, handler);
    else this.mirrors.delete(nodeId);
  }

  mirrorOf(nodeId: string): DeliveryHandler | undefined {
    return this.mirrors.get(nodeId);
  }
}

/** Waits, among the waiters of `key`, for wakeAll of it. */
function waitIn<K>(waiters: Map<K, (() => void)[]>, key: K): Promise<void> {
  return new Promise<void>((wake) => {
    const list = waiters.get(key) ?? [];
    list.push(wake);
    waiters.set(key, list);
  });
}

function wakeAll<K>(waiters: Map<K, (() => void)[]>, key: K): void {
  for (const wake of waiters.get(key) ?? []) wake();
  waiters.delete(key);
}
