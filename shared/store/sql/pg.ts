import pg from "pg";
import type { Logger } from "../../log.ts";
import type { SqlClient, SqlQueryable } from "./client.ts";
import { copyIn } from "./pgCopy.ts";

/** How long a lost listening connection waits before it is made again. */
const RELISTEN_MS = 1000;

/**
 * LISTENs on a connection of its own (a pooled one would be handed to others), made again after
 * it is lost; each time it is, notifications may have gone by unseen, which `onGap` reports.
 */
async function listenOn(
  databaseUrl: string,
  channel: string,
  onNotify: (payload: string) => void,
  onGap: () => void,
  log?: Logger,
): Promise<() => Promise<void>> {
  let stopped = false;
  let conn: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    conn = c;
    c.on("notification", (n) => onNotify(n.payload ?? ""));
    const lost = (err?: Error) => {
      if (stopped || conn !== c) return;
      conn = undefined;
      log?.warn({ err }, "store feed: listening connection lost; listening again");
      c.end().catch(() => {});
      retry = setTimeout(() => void connect().catch(lost), RELISTEN_MS);
      retry.unref?.();
    };
    c.on("error", lost);
    c.on("end", () => lost());
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      lost(err as Error);
      return;
    }
    onGap();
  };
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    await conn?.end().catch(() => {});
  };
}

/** The database URL with its connections named `name` (application_name), by which pg_stat_activity finds them. */
export function withApplicationName(databaseUrl: string, name: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set("application_name", name);
  return url.toString();
}

/** A SqlClient over a PostgreSQL server: a pool, one pooled connection per transaction. */
export function pgClient(databaseUrl: string, log?: Logger, maxConnections = 8): SqlClient {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: maxConnections });
  // An idle connection the server drops must not bring the process down: the pool replaces it.
  pool.on("error", (err) => log?.warn({ err }, "idle PostgreSQL connection lost"));
  const run = async <R>(on: pg.Pool | pg.PoolClient, text: string, params?: readonly unknown[]) => {
    const res = await on.query(text, params as unknown[] | undefined);
    return { rows: res.rows as R[] };
  };
  return {
    query: (text, params) => run(pool, text, params),
    async transaction(fn) {
      const conn = await pool.connect();
      const tx: SqlQueryable = {
        query: (text, params) => run(conn, text, params),
        copyFrom: (statement, rows) => copyIn(conn, statement, rows),
      };
      try {
        await conn.query("BEGIN");
        const value = await fn(tx);
        await conn.query("COMMIT");
        return value;
      } catch (err) {
        await conn.query("ROLLBACK").catch(() => {});
        throw err;
      } finally {
        conn.release();
      }
    },
    listen: (channel, onNotify, onGap) => listenOn(databaseUrl, channel, onNotify, onGap, log),
    close: () => pool.end(),
  };
}
