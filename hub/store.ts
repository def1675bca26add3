import { type HubPolicy, hubPlanner, NAIVE_WARNING } from "../shared/apply/policy.ts";
import type { Config } from "../shared/config.ts";
import type { Logger } from "../shared/log.ts";
import type { Clock } from "../shared/ports/clock.ts";
import type { Store } from "../shared/ports/store.ts";
import { createStore } from "../shared/store/create.ts";

/** What a hub's store is made of: the engine (QNET_STORE), where it lives, and how it applies proposals (QNET_POLICY). */
export type HubStoreConfig = Pick<Config, "QNET_STORE" | "QNET_POLICY" | "DATABASE_URL" | "QNET_DB_SCHEMA">;

/** Says in the log that this hub runs the naive policy; nothing for a versioned one. */
export function warnIfNaive(log: Logger, policy: HubPolicy): void {
  if (policy === "naive") log.warn({ policy }, NAIVE_WARNING);
}

/**
 * The store a hub process applies proposals to, by its configuration: warned about first when the
 * policy is naive. Not yet opened: the hub opens it when it starts.
 */
export async function createHubStore(config: HubStoreConfig, clock: Clock, log: Logger): Promise<Store> {
  warnIfNaive(log, config.QNET_POLICY);
  return createStore(config.QNET_STORE, {
    clock,
    databaseUrl: config.DATABASE_URL,
    schema: config.QNET_DB_SCHEMA,
    log,
    planner: hubPlanner(config.QNET_POLICY),
  });
}
