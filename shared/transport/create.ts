import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Clock } from "../ports/clock.ts";
import type { Random } from "../ports/random.ts";
import type { Transport } from "../ports/transport.ts";
import { connectAmqp } from "./amqp/mod.ts";
import { createMemoryBroker, type MemoryBroker, MemoryTransport } from "./memory/mod.ts";
import { connectNats } from "./nats/mod.ts";

export interface TransportDeps {
  clock: Clock;
  random: Random;
  log: Logger;
  /** The broker a process-in-one network shares; a fresh one when absent (a lone participant). */
  memoryBroker?: MemoryBroker;
  /** A name the broker shows for this connection, e.g. "hub" or the node id. */
  connectionName?: string;
  /** Attempts at the first connection before giving up (default 10, with backoff up to 10 s). */
  connectRetries?: number;
}

/**
 * The transport QNET_TRANSPORT names. For RabbitMQ and NATS it connects with retries and, when the
 * broker stays unreachable, throws an error that names the URL.
 */
export async function createTransport(config: Config, deps: TransportDeps): Promise<Transport> {
  const prefix = config.QNET_PREFIX;
  if (config.QNET_TRANSPORT === "memory") {
    const broker = deps.memoryBroker ?? createMemoryBroker({ clock: deps.clock, random: deps.random });
    return new MemoryTransport(broker, { prefix, prefetch: config.QNET_PREFETCH });
  }
  // What a connection to either broker takes from the configuration and the process.
  const connection = {
    prefix,
    clock: deps.clock,
    random: deps.random,
    log: deps.log,
    prefetch: config.QNET_PREFETCH,
    connectionName: deps.connectionName ? `${prefix}-${deps.connectionName}` : undefined,
    connectRetries: deps.connectRetries,
  };
  switch (config.QNET_TRANSPORT) {
    case "amqp":
      return connectAmqp({ url: config.AMQP_URL, ...connection });
    case "nats":
      return connectNats({ url: config.NATS_URL, user: config.NATS_USER, pass: config.NATS_PASS, ...connection });
  }
}
