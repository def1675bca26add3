import type { ItemKind, ItemState } from "../../apply/precedence.ts";
import type { Logger } from "../../log.ts";
import type { Clock } from "../../ports/clock.ts";
import type { Applied, ConflictRecord, Proposal, Store, StoreCounts, StoredState } from "../../ports/store.ts";
import { queryIdOf, stepOf } from "../step.ts";
import { isRetryableSqlError, type SqlClient, type SqlQueryable } from "./client.ts";
import { ItemCache } from "./itemCache.ts";
import { checkSchemaName, migrate } from "./schema.ts";

/** Rows per INSERT: a whole ingest burst in one statement; the plan does not grow with the rows. */
const ROWS_PER_STATEMENT = 2000;
/** Items whose stored states are kept in process, so a burst is decided without a read. */
const DEFAULT_CACHED_ITEMS = 50_000;
/** PostgreSQL's unique_violation: the primary key refused a state another writer stored first. */
const UNIQUE_VIOLATION = "23505";
/** Rows per page when replaying. */
const REPLAY_PAGE = 2000;
/** Attempts of one batch when another hub process keeps winning the same keys. */
const MAX_ATTEMPTS = 20;

export interface SqlStoreOptions {
  client: SqlClient;
  clock: Clock;
  /** The schema the tables live in: each hub network, or each test run, its own. */
  schema: string;
  /** The engine, as a store names itself: "postgres" or "pglite". */
  name: string;
  log?: Logger;
  /** Whether close() closes the client too; false when the client is shared. */
  ownsClient?: boolean;
  /** Items whose stored states are kept in process (least recently used dropped); 0 reads every burst. */
  cachedItems?: number;
}

/** A state the batch wants written, at the position of its proposal. */
interface PlannedWrite {
  ord: number;
  kind: ItemKind;
  id: string;
  item_version: number;
  query_id: string;
  state: ItemState;
  outcome: StoredState["outcome"];
  message_id: string | null;
}

interface PlannedConflict {
  ord: number;
  kind: ItemKind;
  id: string;
  query_id: string;
  item_version: number;
  proposed: ItemState;
  collided_with: ItemState;
  resolution: "rebased" | "discarded";
  rebased_to: number | null;
  message_id: string | null;
}

/** Another process stored at a key this batch planned to write: the plan is stale. */
class KeyTaken extends Error {
  constructor(readonly key: string) {
    super(`key ${key} was stored by another writer meanwhile`);
  }
}

const keyOf = (kind: ItemKind, id: string, version?: number) =>
  version === undefined ? `${kind}\u0000${id}` : `${kind}\u0000${id}\u0000${version}`;

interface StateRow {
  seq: number | string;
  kind: ItemKind;
  id: string;
  query_id: string;
  item_version: number | string;
  state: ItemState;
  outcome: StoredState["outcome"];
  message_id: string | null;
  stored_at: Date | string;
}

interface ConflictRow {
  seq: number | string;
  kind: ItemKind;
  id: string;
  query_id: string;
  item_version: number | string;
  proposed: ItemState;
  collided_with: ItemState;
  resolution: "rebased" | "discarded";
  rebased_to: number | string | null;
  message_id: string | null;
  at: Date | string;
}

const iso = (t: Date | string) => new Date(t).toISOString();

function toStored(r: StateRow): StoredState {
  return {
    seq: Number(r.seq),
    kind: r.kind,
    id: r.id,
    queryId: r.query_id,
    itemVersion: Number(r.item_version),
    state: r.state,
    outcome: r.outcome,
    messageId: r.message_id,
    storedAt: iso(r.stored_at),
  };
}

function toConflict(r: ConflictRow): ConflictRecord {
  return {
    seq: Number(r.seq),
    kind: r.kind,
    id: r.id,
    queryId: r.query_id,
    itemVersion: Number(r.item_version),
    proposed: r.proposed,
    collidedWith: r.collided_with,
    resolution: r.resolution,
    rebasedTo: r.rebased_to === null ? null : Number(r.rebased_to),
    messageId: r.message_id,
    at: iso(r.at),
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The store over PostgreSQL or PGlite. A batch takes its items' stored states from an in-process
 * cache, reading only the items it lacks in one statement; decides every proposal in order with
 * the pure decision; then writes the states (and any conflict records) atomically, set-based.
 * A batch of duplicates writes nothing and sends no statement. The primary key
 * (kind, id, item_version) is what makes a write insert-if-absent across hub processes: when
 * another process took a planned key meanwhile, the write fails as a whole, the batch's cache
 * entries are dropped, and the batch is decided again over what the database now holds.
 */
export class SqlStore implements Store {
  readonly name: string;
  private readonly client: SqlClient;
  private readonly clock: Clock;
  private readonly s: string;
  private readonly log: Logger | undefined;
  private readonly ownsClient: boolean;
  private readonly cache: ItemCache;

  constructor(opts: SqlStoreOptions) {
    this.name = opts.name;
    this.client = opts.client;
    this.clock = opts.clock;
    this.s = checkSchemaName(opts.schema);
    this.log = opts.log;
    this.ownsClient = opts.ownsClient ?? false;
    this.cache = new ItemCache(opts.cachedItems ?? DEFAULT_CACHED_ITEMS);
  }

  async open(): Promise<void> {
    const applied = await migrate(this.client, this.s);
    if (applied.length > 0) this.log?.info({ schema: this.s, migrations: applied }, "store schema migrated");
  }

  async ready(): Promise<boolean> {
    try {
      await this.client.query("select 1");
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }

  async apply(proposals: readonly Proposal[]): Promise<Applied[]> {
    if (proposals.length === 0) return [];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.applyOnce(proposals);
      } catch (err) {
        // What this process believed of these items may be behind: decide them again from the database.
        for (const key of this.keysOf(proposals).keys()) this.cache.delete(key);
        if (attempt >= MAX_ATTEMPTS || !(err instanceof KeyTaken || isRetryableSqlError(err))) throw err;
        this.log?.debug({ attempt, reason: (err as Error).message }, "store batch raced another writer; deciding it again");
      }
    }
  }

  private async applyOnce(proposals: readonly Proposal[]): Promise<Applied[]> {
    const items = await this.load(proposals);
    const loaded = new Map(items);
    const storedAt = new Date(this.clock.now()).toISOString();
    const applied: Applied[] = [];
    const writes: PlannedWrite[] = [];
    const conflicts: PlannedConflict[] = [];
    proposals.forEach((p, ord) => {
      const key = keyOf(p.kind, p.state.id);
      const stored = items.get(key) ?? [];
      const queryId = queryIdOf(p.kind, p.state);
      const queryKnown = p.kind === "query" || (items.get(keyOf("query", queryId))?.length ?? 0) > 0;
      const { decision, current } = stepOf(p, stored, queryKnown);
      const messageId = p.messageId ?? null;
      const base = {
        ord,
        kind: p.kind,
        id: p.state.id,
        query_id: queryId,
        item_version: p.state.versionInfo.itemVersion,
        message_id: messageId,
      };
      switch (decision.outcome) {
        case "rejected":
          applied.push({ outcome: "rejected", reason: decision.reason });
          return;
        case "duplicate":
          applied.push({ outcome: "duplicate", current });
          return;
        case "conflict-discarded":
          conflicts.push({ ...base, proposed: p.state, collided_with: decision.collidedWith, resolution: "discarded", rebased_to: null });
          applied.push({ outcome: "conflict-discarded", current });
          return;
        default: {
          const write = decision.write;
          const version = write.versionInfo.itemVersion;
          writes.push({ ...base, item_version: version, state: write, outcome: decision.outcome });
          if (decision.outcome === "conflict-rebased") {
            conflicts.push({
              ...base,
              proposed: p.state,
              collided_with: decision.collidedWith,
              resolution: "rebased",
              rebased_to: version,
            });
          }
          // A new array: the cached one stays what is durable until the write commits.
          items.set(key, [...stored, write]);
          applied.push({
            outcome: decision.outcome,
            current,
            stored: {
              seq: 0, // assigned by the insert
              kind: p.kind,
              id: p.state.id,
              queryId,
              itemVersion: version,
              state: write,
              outcome: decision.outcome,
              messageId,
              storedAt,
            },
          });
        }
      }
    });
    if (writes.length > 0 || conflicts.length > 0) {
      const seqs = await this.write(writes, conflicts, storedAt);
      for (const a of applied) {
        if (a.stored) a.stored.seq = seqs.get(keyOf(a.stored.kind, a.stored.id, a.stored.itemVersion)) as number;
      }
    }
    for (const w of writes) {
      const key = keyOf(w.kind, w.id);
      // Another burst of this process wrote the item meanwhile: neither array holds both writes.
      if (this.cache.peek(key) === loaded.get(key)) this.cache.set(key, items.get(key) as ItemState[]);
      else this.cache.delete(key);
    }
    return applied;
  }

  /** The items a batch names: each proposal's item, and for a node's result its query. */
  private keysOf(proposals: readonly Proposal[]): Map<string, { kind: ItemKind; id: string }> {
    const keys = new Map<string, { kind: ItemKind; id: string }>();
    for (const p of proposals) {
      keys.set(keyOf(p.kind, p.state.id), { kind: p.kind, id: p.state.id });
      // A node's result needs to know whether its query exists.
      if (p.origin === "node" && p.kind === "result") {
        const q = queryIdOf(p.kind, p.state);
        keys.set(keyOf("query", q), { kind: "query", id: q });
      }
    }
    return keys;
  }

  /** The stored states of every item the batch names: from the cache, and the rest in one statement. */
  private async load(proposals: readonly Proposal[]): Promise<Map<string, readonly ItemState[]>> {
    const items = new Map<string, readonly ItemState[]>();
    const missing: { kind: ItemKind; id: string }[] = [];
    for (const [key, item] of this.keysOf(proposals)) {
      const cached = this.cache.get(key);
      if (cached === undefined) missing.push(item);
      else items.set(key, cached);
    }
    if (missing.length === 0) return items;
    const { rows } = await this.client.query<{ kind: ItemKind; id: string; state: ItemState }>(
      `SELECT s.kind, s.id, s.state FROM ${this.s}.states s
       JOIN jsonb_to_recordset($1::jsonb) AS k(kind text, id text) ON s.kind = k.kind AND s.id = k.id`,
      [JSON.stringify(missing)],
    );
    const read = new Map<string, ItemState[]>();
    for (const r of rows) {
      const key = keyOf(r.kind, r.id);
      const list = read.get(key);
      if (list) list.push(r.state);
      else read.set(key, [r.state]);
    }
    for (const [key, states] of read) {
      items.set(key, states);
      // An item another burst of this process cached meanwhile is at least as recent as this read.
      if (!this.cache.has(key)) this.cache.set(key, states);
    }
    return items;
  }

  /**
   * Writes a batch's states and conflict records atomically. Keys are insert-if-absent through
   * the primary key: a key another process stored meanwhile fails the whole write, and the plan
   * is stale. The common batch, states only, is one statement and needs no explicit transaction.
   */
  private async write(writes: PlannedWrite[], conflicts: PlannedConflict[], storedAt: string): Promise<Map<string, number>> {
    try {
      if (conflicts.length === 0 && writes.length <= ROWS_PER_STATEMENT) return await this.insertStates(this.client, writes, storedAt);
      return await this.client.transaction(async (tx) => {
        const seqs = await this.insertStates(tx, writes, storedAt);
        await this.insertConflicts(tx, conflicts, storedAt);
        return seqs;
      });
    } catch (err) {
      if ((err as { code?: unknown } | null)?.code === UNIQUE_VIOLATION) throw new KeyTaken((err as Error).message);
      throw err;
    }
  }

  /** Inserts in proposal order, so seq follows it. */
  private async insertStates(tx: SqlQueryable, writes: PlannedWrite[], storedAt: string): Promise<Map<string, number>> {
    const seqs = new Map<string, number>();
    for (const part of chunks(writes, ROWS_PER_STATEMENT)) {
      const { rows } = await tx.query<{ kind: ItemKind; id: string; item_version: string | number; seq: string | number }>(
        `INSERT INTO ${this.s}.states (kind, id, item_version, query_id, state, outcome, message_id, stored_at)
         SELECT r.kind, r.id, r.item_version, r.query_id, r.state, r.outcome, r.message_id, $2::timestamptz
         FROM jsonb_to_recordset($1::jsonb)
           AS r(ord integer, kind text, id text, item_version bigint, query_id text, state jsonb, outcome text, message_id text)
         ORDER BY r.ord
         RETURNING kind, id, item_version, seq`,
        [JSON.stringify(part), storedAt],
      );
      for (const r of rows) seqs.set(keyOf(r.kind, r.id, Number(r.item_version)), Number(r.seq));
    }
    return seqs;
  }

  private async insertConflicts(tx: SqlQueryable, conflicts: PlannedConflict[], at: string): Promise<void> {
    for (const part of chunks(conflicts, ROWS_PER_STATEMENT)) {
      await tx.query(
        `INSERT INTO ${this.s}.conflicts (kind, id, query_id, item_version, proposed, collided_with, resolution, rebased_to, message_id, at)
         SELECT r.kind, r.id, r.query_id, r.item_version, r.proposed, r.collided_with, r.resolution, r.rebased_to, r.message_id, $2::timestamptz
         FROM jsonb_to_recordset($1::jsonb)
           AS r(ord integer, kind text, id text, query_id text, item_version bigint, proposed jsonb, collided_with jsonb,
                resolution text, rebased_to bigint, message_id text)
         ORDER BY r.ord`,
        [JSON.stringify(part), at],
      );
    }
  }

  async states(kind: ItemKind, id: string): Promise<StoredState[]> {
    const { rows } = await this.client.query<StateRow>(`SELECT * FROM ${this.s}.states WHERE kind = $1 AND id = $2 ORDER BY seq`, [
      kind,
      id,
    ]);
    return rows.map(toStored);
  }

  async history(queryId: string): Promise<{ states: StoredState[]; conflicts: ConflictRecord[] }> {
    const states = await this.client.query<StateRow>(`SELECT * FROM ${this.s}.states WHERE query_id = $1 ORDER BY seq`, [queryId]);
    const conflicts = await this.client.query<ConflictRow>(`SELECT * FROM ${this.s}.conflicts WHERE query_id = $1 ORDER BY seq`, [queryId]);
    return { states: states.rows.map(toStored), conflicts: conflicts.rows.map(toConflict) };
  }

  async *replay(): AsyncIterable<StoredState> {
    // Pages by seq rather than one cursor, so a replay of millions holds one page at a time.
    let after = 0;
    for (;;) {
      const { rows } = await this.client.query<StateRow>(
        `SELECT * FROM ${this.s}.states WHERE seq > $1 ORDER BY seq LIMIT ${REPLAY_PAGE}`,
        [after],
      );
      for (const r of rows) yield toStored(r);
      if (rows.length < REPLAY_PAGE) return;
      after = Number(rows[rows.length - 1]!.seq);
    }
  }

  async counts(): Promise<StoreCounts> {
    const { rows } = await this.client.query<{ states: string | number; conflicts: string | number }>(
      `SELECT (SELECT count(*) FROM ${this.s}.states) AS states, (SELECT count(*) FROM ${this.s}.conflicts) AS conflicts`,
    );
    return { states: Number(rows[0]?.states ?? 0), conflicts: Number(rows[0]?.conflicts ?? 0) };
  }
}
