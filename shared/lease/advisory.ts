import pg from "pg";
import type { Logger } from "../log.ts";
import type { Lease } from "../ports/lease.ts";

/** The advisory-lock class of qnet's leases ("qnet" in ASCII); the object is the lease's name, hashed. */
const LOCK_CLASS = 0x716e6574;

/** A lease's name as the second key of a two-key advisory lock: FNV-1a, as a signed 32-bit number. */
export function lockObject(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h | 0;
}

export interface AdvisoryLeaseOptions {
  databaseUrl: string;
  /** What the lease is on, e.g. the duties of one schema; replicas of one store name it alike. */
  name: string;
  log?: Logger;
  /** How long one ask may take before it counts as a lost connection. */
  timeoutMs?: number;
}

/**
 * A lease held as a session-level `pg_try_advisory_lock` on a connection of its own, outside the
 * store's pool: the server frees the lock when that session ends, so a replica that dies (its
 * socket closes) lets go without anyone's help, and the next replica to ask takes it.
 */
export class AdvisoryLease implements Lease {
  private client: pg.Client | undefined;
  private has = false;
  private readonly object: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: AdvisoryLeaseOptions) {
    this.object = lockObject(options.name);
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  async acquire(): Promise<boolean> {
    try {
      const client = this.client ?? (await this.connect());
      // Held: ask whether this session still has the lock, which proves the session alive too.
      // Not held: try to take it; a session lock taken twice would need two unlocks, hence the split.
      const sql = this.has
        ? "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid::int = $1::int AND objid::int = $2::int AND objsubid = 2 AND granted) AS got"
        : "SELECT pg_try_advisory_lock($1::int, $2::int) AS got";
      const res = await client.query<{ got: boolean }>(sql, [LOCK_CLASS, this.object]);
      const got = res.rows[0]?.got === true;
      if (got !== this.has) this.options.log?.info({ lease: this.options.name, held: got }, got ? "lease taken" : "lease lost");
      this.has = got;
    } catch (err) {
      if (this.has) this.options.log?.warn({ lease: this.options.name, err: String(err) }, "lease lost with its connection");
      this.drop();
    }
    return this.has;
  }

  held(): boolean {
    return this.has;
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.has = false;
    // Ending the session frees the lock: no unlock needed, and none can be left behind.
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      connectionTimeoutMillis: this.timeoutMs,
      query_timeout: this.timeoutMs,
      keepAlive: true,
      application_name: "qnet-lease",
    });
    // A connection that dies between asks must not bring the process down; the next ask notices.
    client.on("error", (err) => {
      this.options.log?.warn({ lease: this.options.name, err: String(err) }, "lease connection failed");
      if (this.client === client) this.drop();
    });
    this.client = client;
    try {
      await client.connect();
    } catch (err) {
      this.client = undefined;
      throw err;
    }
    return client;
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    this.has = false;
    client?.end().catch(() => {});
  }
}
