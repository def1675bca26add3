import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Clock } from "../ports/clock.ts";
import type { Random } from "../ports/random.ts";
import type { Transport } from "../ports/transport.ts";
import { brokerEntry } from "./registry.ts";

export interface TransportDeps {
  clock: Clock;
  random: Random;
  log: Logger;
  /** A name the broker shows for this connection, e.g. "hub" or the node id. */
  connectionName?: string;
  /** Attempts at the first connection before giving up (default 10, with backoff up to 10 s). */
  connectRetries?: number;
}

/**
 * The transport QNET_TRANSPORT names, connected. A broker that stays unreachable after the retries
 * makes it throw an error that names the broker's address.
 */
export function createTransport(config: Config, deps: TransportDeps): Promise<Transport> {
  const prefix = config.QNET_PREFIX;
  return brokerEntry(config.QNET_TRANSPORT).connect(config, {
    prefix,
    clock: deps.clock,
    random: deps.random,
    log: deps.log,
    prefetch: config.QNET_PREFETCH,
    connectionName: deps.connectionName ? `${prefix}-${deps.connectionName}` : undefined,
    connectRetries: deps.connectRetries,
  });
}
