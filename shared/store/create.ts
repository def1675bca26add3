import type { Planner } from "../apply/plan.ts";
import type { Logger } from "../log.ts";
import type { Clock } from "../ports/clock.ts";
import type { Store } from "../ports/store.ts";
import { MemoryStore } from "./memory.ts";
import { pgClient } from "./sql/pg.ts";
import { pgliteClient } from "./sql/pglite.ts";
import { checkSchemaName } from "./sql/schema.ts";
import { SqlStore } from "./sql/sqlStore.ts";

export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";
export const DEFAULT_SCHEMA = "qnet";

export interface CreateStoreOptions {
  clock: Clock;
  /** For "postgres". */
  databaseUrl?: string;
  /** The SQL schema the tables live in (QNET_DB_SCHEMA); "qnet" by default. */
  schema?: string;
  log?: Logger;
  /** What a burst of proposals does: PROTOCOL.md section 3's plan unless another is given (QNET_POLICY). */
  planner?: Planner;
}

/**
 * The store a QNET_STORE value names: "memory", "postgres" or "pglite:<dir>". The store is not
 * yet opened: call open() before the first apply.
 */
export async function createStore(spec: string, opts: CreateStoreOptions): Promise<Store> {
  if (spec === "memory") return new MemoryStore({ clock: opts.clock, planner: opts.planner });
  // Checked before a client is made, so a bad name leaves no pool or embedded database behind.
  const schema = checkSchemaName(opts.schema ?? DEFAULT_SCHEMA);
  if (spec === "postgres") {
    const client = pgClient(opts.databaseUrl ?? DEFAULT_DATABASE_URL, opts.log);
    return new SqlStore({ client, clock: opts.clock, schema, log: opts.log, ownsClient: true, planner: opts.planner });
  }
  if (spec.startsWith("pglite:") && spec.length > "pglite:".length) {
    const client = await pgliteClient(spec.slice("pglite:".length));
    return new SqlStore({ client, clock: opts.clock, schema, log: opts.log, ownsClient: true, planner: opts.planner });
  }
  throw new Error(`invalid store "${spec}": must be memory, postgres or pglite:<dir>`);
}
