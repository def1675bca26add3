import type { Logger } from "../log.ts";
import type { Lease } from "../ports/lease.ts";
import { AdvisoryLease } from "./advisory.ts";
import { LeaseBoard } from "./inProcess.ts";

export interface CreateLeaseOptions {
  databaseUrl?: string;
  schema?: string;
  log?: Logger;
  /** The board of in-process holders; a board of its own when absent. */
  board?: LeaseBoard;
}

/**
 * The lease on the singleton duties for a QNET_STORE value: an advisory lock per schema on
 * PostgreSQL, where replicas of one store live in several processes; in-process otherwise,
 * since a memory store or a PGlite folder belongs to one process.
 */
export function createLease(spec: string, opts: CreateLeaseOptions): Lease {
  if (spec === "postgres") {
    if (!opts.databaseUrl) throw new Error("a PostgreSQL lease needs DATABASE_URL");
    return new AdvisoryLease({ databaseUrl: opts.databaseUrl, name: `duties:${opts.schema ?? "qnet"}`, log: opts.log });
  }
  return (opts.board ?? new LeaseBoard()).lease();
}
