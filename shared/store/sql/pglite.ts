import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import type { SqlClient } from "./client.ts";

/** A SqlClient over embedded PostgreSQL: persisted to dataDir, or in memory when none is given. */
export async function pgliteClient(dataDir?: string): Promise<SqlClient> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const db = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await db.waitReady;
  return {
    query: async (text, params) => ({ rows: (await db.query(text, params as unknown[] | undefined)).rows as never[] }),
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({ query: async (text, params) => ({ rows: (await tx.query(text, params as unknown[] | undefined)).rows as never[] }) }),
      ),
    // In process, a notification is never lost once the LISTEN holds; what was committed while it
    // was being made is the one gap to report.
    listen: async (channel, onNotify, onGap) => {
      const unlisten = await db.listen(channel, onNotify);
      onGap();
      return unlisten;
    },
    close: () => db.close(),
  };
}
