/** What a statement can be sent to: a connection, or a transaction in progress. */
export interface SqlQueryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: R[] }>;
  /**
   * Runs a `COPY ... FROM STDIN` statement with rows in COPY's text format: the cheapest bulk
   * write for the server. Engines without it leave it out, and callers insert instead.
   */
  copyFrom?(statement: string, rows: string): Promise<void>;
}

/**
 * The little the SQL store needs of a PostgreSQL engine, so that one dialect runs on a server
 * (pg) and embedded (PGlite) alike.
 */
export interface SqlClient extends SqlQueryable {
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * LISTENs on a channel, calling `onNotify` with each payload, and `onGap` whenever
   * notifications may have been missed: once the LISTEN first holds (for what was committed while
   * it was being made) and each time the listening connection was lost and made again.
   * Answers how to stop.
   */
  listen(channel: string, onNotify: (payload: string) => void, onGap: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** PostgreSQL error codes after which the same transaction, run again, may well succeed. */
const RETRYABLE = new Set(["40001", "40P01"]);

export function isRetryableSqlError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && RETRYABLE.has(code);
}
