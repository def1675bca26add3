import { hearingLate } from "../../shared/faults/mod.ts";
import type { Store } from "../../shared/ports/store.ts";
import { DEFAULT_DATABASE_URL } from "../../shared/store/create.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import { pgClient, withApplicationName } from "../../shared/store/sql/pg.ts";
import type { SqlClient } from "../../shared/store/sql/client.ts";
import { pgliteClient } from "../../shared/store/sql/pglite.ts";
import { dropSchema } from "../../shared/store/sql/schema.ts";
import { SqlStore } from "../../shared/store/sql/sqlStore.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import type { RunContext } from "./context.ts";
import { plannerOf } from "./policy.ts";
import { StoreTurns, VirtualTimeStore } from "./virtualTimeStore.ts";

/** The engines a run's hub can store on: the memory store, PGlite in memory, or a PostgreSQL server in a schema of the run's own. */
export const STORE_ENGINES = ["memory", "pglite", "postgres"] as const;
export type StoreEngine = (typeof STORE_ENGINES)[number];

/** The hub's store for one run, and how to remove what it leaves behind. */
export interface RunStore {
  /** The run's store: what the checker reads, and what every hub writes through when `ofReplica` is absent. */
  store: Store;
  /**
   * A store of its own for one start of a hub replica, over the run's database, as a replica's
   * process has (its item cache and own writes its own): absent on the memory engine, whose one
   * store is the database.
   */
  ofReplica?: () => Store;
  /** The PostgreSQL schema it is in, on the postgres engine. */
  schema?: string;
  /**
   * Drops what the run made (its schema) once the network stopped, and on PostgreSQL fails when the
   * store the network closed left its client open.
   */
  dispose(): Promise<void>;
}

let runs = 0;

/**
 * Items a run's SQL store keeps in process. A hub's cache outgrows no scenario at its default, so
 * every burst would be decided from the cache alone: this few makes a run drop items from it and
 * read their states back from the database, as a hub with more items than its cache does, and the
 * checker judges those decisions too.
 */
const RUN_CACHED_ITEMS = 8;
/**
 * Rows per INSERT and per replay page of a run's SQL store: no scenario stores a burst or replays
 * a store of a page at the default, so this few makes every run cross pages.
 */
const RUN_PAGE_ROWS = 3;

/** A schema no other run, here or in another process, uses at the same time. */
function runSchema(run: RunContext): string {
  const name = run.scenario.name.replace(/[^a-z0-9]/g, "_").slice(0, 20);
  return `scn_${name}_${process.pid.toString(36)}_${systemClock.now().toString(36)}_${(++runs).toString(36)}`;
}

/** How long the server may take to let go of a closed connection before the run counts it open. */
const CONNECTIONS_CLOSE_MS = 5_000;

/**
 * Fails the run when the network's stop left its PostgreSQL connections open: a store that still
 * answers ready kept its client (what a hub's /readyz would answer over a database it let go of),
 * and a connection of the run's name still on the server (the store's listening one) is one more
 * a swarm would pile up, run by run, to the server's limit.
 */
async function requireClosed(sql: SqlStore, client: SqlClient, admin: SqlClient, name: string): Promise<void> {
  if (await sql.ready()) {
    await client.close();
    throw new Error("the run's store still answers ready after the network closed it: closing the store left its PostgreSQL client open");
  }
  const until = systemClock.now() + CONNECTIONS_CLOSE_MS;
  for (;;) {
    const { rows } = await admin.query<{ n: string | number }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1", [
      name,
    ]);
    const left = Number(rows[0]?.n ?? 0);
    if (left === 0) return;
    if (systemClock.now() >= until)
      throw new Error(
        `the run left ${left} PostgreSQL connection(s) open after the network closed its stores (a listening connection never ended?)`,
      );
    await systemClock.sleep(50);
  }
}

/**
 * The one PGlite of this process: starting one takes over a second, longer than most runs, so each
 * run takes a schema of its own in it, as runs on a PostgreSQL server do.
 */
let processPglite: Promise<SqlClient> | undefined;

function sharedPglite(): Promise<SqlClient> {
  processPglite ??= pgliteClient();
  return processPglite;
}

/**
 * The run's store on its engine, under the run's policy. On a virtual clock an engine that does I/O
 * answers as the memory store does: in no virtual time, one operation at a time, the operations of
 * every replica's store taking turns in one order.
 */
export async function openRunStore(run: RunContext): Promise<RunStore> {
  const { clock, log, store: engine } = run;
  const planner = plannerOf(run.policy);
  if (engine === "memory") return { store: new MemoryStore({ clock, planner }), dispose: async () => {} };
  const databaseUrl = run.options.config?.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const schema = run.options.schema ?? runSchema(run);
  // The run's connections go by its schema's name, to be counted once it is over.
  const engineClient = engine === "pglite" ? await sharedPglite() : pgClient(withApplicationName(databaseUrl, schema), log);
  const turns = clock instanceof VirtualClock ? new StoreTurns(clock) : undefined;
  // In real time a store step heard late waits between the database's commit and the SQL store's
  // hearing of it, where readers can overtake it (and a deaf watch's LISTEN waits for the fault to
  // heal); on the virtual clock, after the step, as the memory store's.
  const client = turns ? engineClient : hearingLate(engineClient, clock);
  const sqlStore = (ownsClient: boolean) =>
    new SqlStore({ client, clock, schema, log, planner, cachedItems: RUN_CACHED_ITEMS, pageRows: RUN_PAGE_ROWS, ownsClient });
  const inTurn = (store: SqlStore): Store => (turns ? new VirtualTimeStore(store, turns) : store);
  // On a server the run's store owns its client, as a hub process's does: the network closes the
  // store when it stops, and the client with it. The replicas' stores share it. The process's one
  // PGlite outlives the run.
  const sql = sqlStore(engine === "postgres");
  return {
    store: inTurn(sql),
    ofReplica: () => inTurn(sqlStore(false)),
    ...(engine === "postgres" && { schema }),
    async dispose() {
      // The store's own client is closed by now; the schema goes on a connection of its own.
      const admin = engine === "postgres" ? pgClient(databaseUrl, log, 1) : client;
      try {
        await dropSchema(admin, schema);
        // A run leaves nothing behind: a schema still there would hold one run's states beside the next.
        const { rows } = await admin.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
        if (rows.length > 0) throw new Error(`the run's store schema ${schema} is still there after it was dropped`);
        if (engine === "postgres") await requireClosed(sql, client, admin, schema);
      } finally {
        if (engine === "postgres") await admin.close();
      }
    },
  };
}
