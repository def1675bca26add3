import pg from "pg";
import type { Logger } from "../../log.ts";
import type { SqlClient, SqlQueryable } from "./client.ts";

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
      const tx: SqlQueryable = { query: (text, params) => run(conn, text, params) };
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
    close: () => pool.end(),
  };
}
