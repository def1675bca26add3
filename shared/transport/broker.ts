import type { z } from "zod";
import type { Logger } from "../log.ts";
import type { Clock } from "../ports/clock.ts";
import type { Random } from "../ports/random.ts";
import type { Transport } from "../ports/transport.ts";

/** What a process's connection takes besides the broker's own variables. */
export interface ConnectionOptions {
  prefix: string;
  clock: Clock;
  random: Random;
  log: Logger;
  /** Default prefetch of consume(). */
  prefetch?: number;
  /** A name the broker shows for this connection. */
  connectionName?: string;
  /** Attempts at the first connection before giving up. */
  connectRetries?: number;
}

/** A broker's variables as the configuration read them. */
export type BrokerSettings<V extends z.ZodRawShape = z.ZodRawShape> = z.output<z.ZodObject<V>>;

/**
 * One line of the broker registry: everything the rest of qnet needs to know of one broker. Its
 * `declare` is the Transport's own; the rest is here, so that the configuration, the scenario
 * engine, the bench and the cluster tools take every broker from one list.
 */
export interface BrokerEntry<V extends z.ZodRawShape = z.ZodRawShape> {
  /** The value of QNET_TRANSPORT (and of a scenario's `transport`) that picks it. */
  readonly name: string;
  /**
   * Its variables in the environment (PROTOCOL.md section 7), each with its default: every process
   * reads and validates them, whichever broker it uses.
   */
  readonly variables: V;
  /**
   * True when the broker lives inside one process (memory): processes cannot share it, so a
   * network of separate processes (the cluster, the bench) cannot run on it.
   */
  readonly inProcess: boolean;
  /** True when the broker itself drops a message published again with a messageId it holds (JetStream's duplicate window). */
  readonly deduplicates: boolean;
  /** A connection; rejects, naming the broker's address, when the broker stays unreachable after the retries. */
  connect(settings: BrokerSettings<V>, options: ConnectionOptions): Promise<Transport>;
  /** Deletes what a prefix declared on the broker; nodeIds name the node queues a broker cannot list. */
  deletePrefix(settings: BrokerSettings<V>, prefix: string, nodeIds: readonly string[]): Promise<void>;
}

/** An entry with its settings typed by its own variables. */
export function defineBroker<V extends z.ZodRawShape>(entry: BrokerEntry<V>): BrokerEntry<V> {
  return entry;
}
