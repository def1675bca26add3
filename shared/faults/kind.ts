import type { z } from "zod";
import type { Clock } from "../ports/clock.ts";
import type { Random } from "../ports/random.ts";
import type { Delivery, Transport } from "../ports/transport.ts";
import type { ResultState } from "../protocol/items.ts";
import type { FaultBoard } from "./board.ts";

/** A result-update a node got confirmed by the broker, as a replay finds it again. */
export interface PublishedUpdate {
  at: number;
  nodeId: string;
  messageId: string;
  result: ResultState;
}

/** A run-query the hub got confirmed by the broker: what a node's queue restored from a backup holds again. */
export interface PublishedRunQuery {
  at: number;
  nodeId: string;
  queryId: string;
  messageId: string;
  body: Uint8Array;
}

/** A message that reached the dead-letter destination, as an operator finds it there. */
export interface DeadLetterCopy {
  at: number;
  reason: string;
  /** The node whose route it came by, where the broker tells. */
  nodeId: string | undefined;
  body: Uint8Array;
}

/** Where a fault tells what it did: `who` it acted at ("hub", a node id), `what` it did ("ack dropped"). */
export interface FaultReport {
  faulted(who: string, what: string): void;
}

/**
 * The network a fault acts on, as the fault table sees it: the faults in force at every
 * participant's ports, the participants themselves, and what a fault needs to know of the run.
 */
export interface FaultedNetwork extends FaultReport {
  /** The faults in force at the ports; the wrappers around them read it on every call. */
  readonly board: FaultBoard;
  /** The faults' own stream: every draw a fault makes outside the port wrappers. */
  readonly random: Random;
  readonly clock: Clock;
  /** A fault's time in the run's time: a run shortened on a real broker scales every one. */
  ms(faultMs: number): number;
  readonly nodeIds: readonly string[];
  /** Whether an agent of the node runs. */
  running(nodeId: string): boolean;
  /** The node's process dies: its connection drops, what it held goes back to its queue. */
  crashNode(nodeId: string): Promise<void>;
  startNode(nodeId: string, options: { loseState: boolean }): Promise<void>;
  /** A new hub over the same store, after the old one's connection dropped (with replicas, the first's). */
  restartHub(): Promise<void>;
  /** How many hub replicas the network runs over its store. */
  readonly replicas: number;
  /** A replica's process dies while the others run: its connection drops, its lease on the duties with it. */
  crashReplica(replica: number): Promise<void>;
  /** A replica stops as a rolling restart stops it: it stops consuming, settles what it was handed, then its connection closes. */
  stopReplica(replica: number): Promise<void>;
  /** A replica starts (again) over the store. */
  startReplica(replica: number): Promise<void>;
  /** A second agent of the node, on a connection of its own; with `ownSeed` a site of its own (other patients, other counts). */
  startTwin(nodeId: string, options: { ownSeed: boolean }): Promise<void>;
  stopTwin(nodeId: string): Promise<void>;
  /** A connection that publishes as the node, beside its agent's. */
  connectionAs(nodeId: string): Promise<Transport>;
  /** A connection as an operator's broker user, which speaks for no node: what an operator's tool publishes with. */
  operatorConnection(): Promise<Transport>;
  /**
   * A connection as one development user shared by every site (guest), which speaks for no node:
   * what a foreign node publishes with on a broker without per-node users, where only the route
   * ties a message to a node.
   */
  sharedUserConnection(): Promise<Transport>;
  /**
   * Whether each node's connection authenticates as the node's own broker user (trust/identity.ts),
   * as on the memory broker and a real one with per-process users: only then can the hub tell a
   * node publishing on another node's route.
   */
  readonly nodeUsers: boolean;
  /** The result-updates published so far, in the order the broker confirmed them. */
  readonly publishedUpdates: readonly PublishedUpdate[];
  /** The run-queries the hub published so far, in the order the broker confirmed them. */
  readonly publishedRunQueries: readonly PublishedRunQuery[];
  /** What reached the dead-letter destination so far, in the order it arrived. */
  readonly deadLetters: readonly DeadLetterCopy[];
  /** A query the hub was given, if any yet. */
  knownQueryId(): string | undefined;
  /** A message a fault published in a node's name that the node did not write: the hub must refuse it. */
  forged(messageId: string): void;
}

type FaultOf<S extends z.ZodType> = z.output<S>;

interface Described<S extends z.ZodType> {
  /** The fault as a scenario file (or an operator) writes it: its kind, its window and its own fields. */
  readonly schema: S;
  /** What it reports through FaultReport, each time it acts ("ack dropped", "crashed"). */
  readonly counts: readonly string[];
  /** How the record of the run's fault windows names it, and the node it is about. */
  describe(fault: FaultOf<S>): { label: string; nodeId?: string };
}

/** A fault in force for its window: installed when it opens, removed when it heals. */
export interface WindowFaultKind<S extends z.ZodType = z.ZodType> extends Described<S> {
  install(fault: FaultOf<S>, network: FaultedNetwork): void | Promise<void>;
  remove(fault: FaultOf<S>, network: FaultedNetwork): void | Promise<void>;
}

/** Messages sent into the network at random times within the window, `shots` of them. */
export interface BurstFaultKind<S extends z.ZodType = z.ZodType> extends Described<S> {
  shots(fault: FaultOf<S>): number;
  inject(fault: FaultOf<S>, network: FaultedNetwork): Promise<void>;
}

export type FaultKind<S extends z.ZodType = z.ZodType> = WindowFaultKind<S> | BurstFaultKind<S>;

/** A fault kind with its fields typed by its own schema. */
export function defineFault<S extends z.ZodType>(kind: WindowFaultKind<S>): WindowFaultKind<S>;
export function defineFault<S extends z.ZodType>(kind: BurstFaultKind<S>): BurstFaultKind<S>;
export function defineFault<S extends z.ZodType>(kind: FaultKind<S>): FaultKind<S> {
  return kind;
}

/**
 * A consumer-side fault's effect on one delivery it strikes: the handler gets another delivery
 * (one whose ack goes wrong), or never sees it ("bounce": it goes back to its queue unseen).
 */
export interface DeliveryStrike<P extends { probability: number }> {
  /** What it reports when it strikes. */
  readonly what: string;
  strike(delivery: Delivery, params: P, clock: Clock): Delivery | "bounce";
}
