import type { SqlClient } from "./client.ts";

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The channel every schema's store notified on before migration 3, with the schema's name as the payload. */
const SHARED_FEED_CHANNEL = "qnet_store";

/** A schema name is spliced into statements, so only a plain lower-case identifier is accepted. */
export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid store schema "${schema}": must match ${SCHEMA_NAME.source}`);
  return schema;
}

export interface Migration {
  version: number;
  name: string;
  /** One statement each: PGlite's parameterised query takes a single statement. */
  statements: (schema: string) => string[];
}

/** The schema's history. Append only: a released migration never changes. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    // Stryker disable next-line StringLiteral: a migration's name is a label in the migrations table; nothing reads it
    name: "states and conflict log",
    statements: (s) => [
      // One sequence orders states and conflict records alike: the store order.
      `CREATE SEQUENCE ${s}.store_order`,
      `CREATE TABLE ${s}.states (
        kind text NOT NULL CHECK (kind IN ('query', 'result')),
        id text NOT NULL,
        item_version bigint NOT NULL,
        query_id text NOT NULL,
        seq bigint NOT NULL DEFAULT nextval('${s}.store_order'),
        state jsonb NOT NULL,
        outcome text NOT NULL,
        message_id text,
        stored_at timestamptz NOT NULL,
        PRIMARY KEY (kind, id, item_version)
      )`,
      // Stryker disable next-line StringLiteral: an index only speeds reads; positions come unique from the sequence
      `CREATE UNIQUE INDEX states_seq ON ${s}.states (seq)`,
      // Stryker disable next-line StringLiteral: an index only speeds reads
      `CREATE INDEX states_query ON ${s}.states (query_id, seq)`,
      `CREATE TABLE ${s}.conflicts (
        seq bigint PRIMARY KEY DEFAULT nextval('${s}.store_order'),
        kind text NOT NULL,
        id text NOT NULL,
        query_id text NOT NULL,
        item_version bigint NOT NULL,
        proposed jsonb NOT NULL,
        collided_with jsonb NOT NULL,
        resolution text NOT NULL CHECK (resolution IN ('rebased', 'discarded')),
        rebased_to bigint,
        message_id text,
        at timestamptz NOT NULL
      )`,
      // Stryker disable next-line StringLiteral: an index only speeds reads
      `CREATE INDEX conflicts_query ON ${s}.conflicts (query_id, seq)`,
    ],
  },
  {
    version: 2,
    // Stryker disable next-line StringLiteral: a migration's name is a label in the migrations table; nothing reads it
    name: "store feed wake-up and view snapshots",
    statements: (s) => [
      // Once per statement, delivered at commit: readers of the feed learn something follows, not what.
      `CREATE FUNCTION ${s}.wake_feed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('${SHARED_FEED_CHANNEL}', '${s}'); RETURN NULL; END $$`,
      `CREATE TRIGGER states_wake_feed AFTER INSERT ON ${s}.states FOR EACH STATEMENT EXECUTE FUNCTION ${s}.wake_feed()`,
      // Stryker disable next-line StringLiteral: a store step that records conflicts only (discards) stores no state, so the views it would wake have nothing to take; they read past its positions at their next wake-up
      `CREATE TRIGGER conflicts_wake_feed AFTER INSERT ON ${s}.conflicts FOR EACH STATEMENT EXECUTE FUNCTION ${s}.wake_feed()`,
      `CREATE TABLE ${s}.view_snapshots (
        position bigint PRIMARY KEY,
        taken_at timestamptz NOT NULL DEFAULT now(),
        data bytea NOT NULL
      )`,
    ],
  },
  {
    version: 3,
    // Stryker disable next-line StringLiteral: a migration's name is a label in the migrations table; nothing reads it
    name: "a feed channel of the schema's own",
    // Every listener on the one shared channel was woken by every schema's writes, a hub by another
    // network's or a test run's; its own channel wakes only the schema's hubs.
    statements: (s) => [
      `CREATE OR REPLACE FUNCTION ${s}.wake_feed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('${feedChannel(s)}', ''); RETURN NULL; END $$`,
    ],
  },
];

/** The channel a schema's store notifies on when its feed grows: the schema's own name (a valid identifier, 63 bytes at most). */
// Stryker disable next-line BlockStatement: one channel for every schema again (undefined spliced into both the trigger and the LISTEN): a store hears the others' writes too, each a read that finds nothing
export function feedChannel(schema: string): string {
  return checkSchemaName(schema);
}

/**
 * Creates the schema or brings it up to the newest migration, in one transaction. An advisory
 * lock makes hub processes starting together migrate one after the other.
 */
export async function migrate(client: SqlClient, schema: string, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const s = checkSchemaName(schema);
  return client.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`qnet-migrate:${s}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${s}.migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set((await tx.query<{ version: number }>(`SELECT version FROM ${s}.migrations`)).rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      for (const statement of m.statements(s)) await tx.query(statement);
      await tx.query(`INSERT INTO ${s}.migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}

/** Drops a schema and everything in it: for test runs cleaning up after themselves. */
export async function dropSchema(client: SqlClient, schema: string): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS ${checkSchemaName(schema)} CASCADE`);
}
