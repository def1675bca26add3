import { type Plan, type PlannedConflict, type PlannedWrite, type Planner, eachInStoreOrder, plan, queryIdOf } from "../../apply/plan.ts";
import { type ItemKind, type ItemState, versionOf } from "../../apply/precedence.ts";
import { type Logger, silentLogger } from "../../log.ts";
import type { Clock } from "../../ports/clock.ts";
import type { Applied, ConflictRecord, FeedPage, Proposal, Store, StoreCounts, StoredSnapshot, StoredState } from "../../ports/store.ts";
import { isRetryableSqlError, type SqlClient, type SqlQueryable } from "./client.ts";
import { ItemCache } from "./itemCache.ts";
import { copyField } from "./pgCopy.ts";
import { checkSchemaName, feedChannel, migrate } from "./schema.ts";

/** Rows per INSERT (a whole ingest burst in one statement; the plan does not grow with the rows), and per page when replaying. */
const PAGE_ROWS = 2000;
/** Items whose stored states are kept in process, so a burst is decided without a read. */
const DEFAULT_CACHED_ITEMS = 50_000;
/** PostgreSQL's unique_violation: the primary key refused a state another writer stored first. */
const UNIQUE_VIOLATION = "23505";
/** Attempts of one batch when another hub process keeps winning the same keys. */
const MAX_ATTEMPTS = 20;
/**
 * The store-order lock, its name the statement's parameter `param`, as a condition of a SELECT:
 * evaluated once, before the first row is made and takes its position from the sequence; held
 * until the transaction ends.
 */
const orderLocked = (param: string) => `(SELECT count(*) FROM pg_advisory_xact_lock(hashtext(${param}))) = 1`;
/** This process's own writes kept for the feed to take without reading their states back, at most. */
const OWN_WRITES_KEPT = 10_000;
/** Snapshots kept: the newest, and the one before in case a reader is still loading it. */
const SNAPSHOTS_KEPT = 2;

export interface SqlStoreOptions {
  client: SqlClient;
  clock: Clock;
  /** The schema the tables live in: each hub network, or each test run, its own. */
  schema: string;
  log?: Logger;
  /** Whether close() closes the client too; false when the client is shared. */
  ownsClient?: boolean;
  /** Items whose stored states are kept in process (least recently used dropped); 0 reads every burst. */
  cachedItems?: number;
  /** What a burst does; the versioned plan of PROTOCOL.md section 3 by default. */
  planner?: Planner;
  /** Rows per INSERT statement and per replay page; PAGE_ROWS by default. */
  pageRows?: number;
}

/** A planned write as a row of the states table, at its position. */
function stateRow(w: PlannedWrite, seq: number) {
  return {
    seq,
    kind: w.kind,
    id: w.state.id,
    item_version: versionOf(w.state),
    query_id: w.queryId,
    state: w.state,
    outcome: w.outcome,
    message_id: w.messageId,
  };
}

/** A planned conflict as a row of the conflicts table, at its position. */
function conflictInsert(c: PlannedConflict, seq: number) {
  return {
    seq,
    kind: c.kind,
    id: c.id,
    query_id: c.queryId,
    item_version: c.itemVersion,
    proposed: c.proposed,
    collided_with: c.collidedWith,
    resolution: c.resolution,
    rebased_to: c.rebasedTo,
    message_id: c.messageId,
  };
}

type ConflictInsert = ReturnType<typeof conflictInsert>;

/** Another process stored at a key this batch planned to write: the plan is stale. */
class KeyTaken extends Error {
  constructor(readonly key: string) {
    super(`key ${key} was stored by another writer meanwhile`);
  }
}

/**
 * Another process stored states of an item this batch planned from meanwhile, at keys the plan does
 * not write: the plan is stale as well.
 */
class ItemMoved extends Error {
  constructor(readonly item: string) {
    super(`${item} was added to by another writer meanwhile`);
  }
}

/** How many states an item of the batch holds once the plan's are written, if no other process wrote it meanwhile. */
interface ItemCount {
  kind: ItemKind;
  id: string;
  n: number;
}

/** What an item with no stored state reads as. */
const NONE: readonly ItemState[] = [];
/** A batch's item that neither the cache nor the database holds: no states, and nothing cached when it was read. */
const ABSENT: readonly ItemState[] = [];

/** The stored states of a batch's items, by kind and id: the id strings the proposals brought are the keys. */
type BatchItems = Record<ItemKind, Map<string, readonly ItemState[]>>;

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

/** A row of the feed: a state's columns, or a conflict record's under the same names. */
interface FeedRow extends StateRow {
  record: "state" | "conflict";
  collided_with: ItemState | null;
  rebased_to: number | string | null;
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

/** Each item a batch names, maybe more than once: each proposal's item, and for a node's result its query. */
function forEachItem(proposals: readonly Proposal[], fn: (kind: ItemKind, id: string) => void): void {
  for (const p of proposals) {
    fn(p.kind, p.state.id);
    // A node's result needs to know whether its query exists.
    if (p.origin === "node" && p.kind === "result") fn("query", queryIdOf(p.kind, p.state));
  }
}

/** Each proposal's item once, with the states it holds when the plan is written: those it was planned from, and the plan's. */
function countsAfter(proposals: readonly Proposal[], items: BatchItems, written: Plan["written"]): ItemCount[] {
  const seen = { query: new Set<string>(), result: new Set<string>() };
  const counts: ItemCount[] = [];
  for (const { kind, state } of proposals) {
    if (seen[kind].has(state.id)) continue;
    seen[kind].add(state.id);
    counts.push({ kind, id: state.id, n: (items[kind].get(state.id)?.length ?? 0) + (written[kind].get(state.id)?.length ?? 0) });
  }
  return counts;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The store over PostgreSQL or PGlite. A batch takes its items' stored states from an in-process
 * cache, reading only the items it lacks in one statement; plans the burst (shared/apply/plan.ts);
 * then writes the planned states (and any conflict records) atomically, set-based.
 * The primary key (kind, id, item_version) is what makes a write insert-if-absent across hub
 * processes: when another process took a planned key meanwhile, the write fails as a whole, the
 * batch's cache entries are dropped, and the batch is decided again over what the database now
 * holds. So it is when another process stored a state of a proposal's item at another key since
 * this one read it (its decision, applied or late, and the current state it answers, may differ):
 * the write counts each item's states under the store-order lock, and a batch that writes nothing
 * counts them in one read.
 */
export class SqlStore implements Store {
  private readonly client: SqlClient;
  private readonly clock: Clock;
  private readonly s: string;
  private readonly log: Logger;
  private readonly ownsClient: boolean;
  private readonly cache: ItemCache;
  private readonly planner: Planner;
  private readonly pageRows: number;
  /**
   * Taken by every write before its first row takes a position and held to its commit, so
   * positions are taken and committed in one order: a reader that has read position p has seen
   * everything at or before p, and nothing will ever be stored there.
   */
  private readonly orderLock: string;
  private readonly watchers = new Set<() => void>();
  /**
   * States this process stored and committed, by position, until the feed reads past them: the
   * feed does not read their rows back (no jsonb to send and parse) and takes them from here.
   * Dropping one only costs that read; the oldest go beyond OWN_WRITES_KEPT.
   */
  private readonly ownWrites = new Map<number, StoredState>();
  private stopListening: Promise<() => Promise<void>> | undefined;

  constructor(opts: SqlStoreOptions) {
    this.client = opts.client;
    this.clock = opts.clock;
    this.s = checkSchemaName(opts.schema);
    // Stryker disable next-line LogicalOperator: the operator's log only; a store given no logger logs nothing
    this.log = opts.log ?? silentLogger;
    this.ownsClient = opts.ownsClient ?? false;
    this.cache = new ItemCache(opts.cachedItems ?? DEFAULT_CACHED_ITEMS);
    this.planner = opts.planner ?? plan;
    this.pageRows = opts.pageRows ?? PAGE_ROWS;
    this.orderLock = `qnet-store-order:${this.s}`;
  }

  async open(): Promise<void> {
    const applied = await migrate(this.client, this.s);
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ObjectLiteral,ArrayDeclaration,StringLiteral: the operator's log line only
    if (applied.length > 0) this.log.info({ schema: this.s, migrations: applied }, "store schema migrated");
  }

  async ready(): Promise<boolean> {
    try {
      // Stryker disable next-line StringLiteral: an empty statement asks the engine to answer as well as "select 1" does
      await this.client.query("select 1");
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.watchers.clear();
    await this.unlisten();
    if (this.ownsClient) await this.client.close();
  }

  async apply(proposals: readonly Proposal[]): Promise<Applied[]> {
    if (proposals.length === 0) return [];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.applyOnce(proposals);
      } catch (err) {
        // What this process believed of these items may be behind: decide them again from the database.
        forEachItem(proposals, (kind, id) => this.cache.delete(kind, id));
        if (attempt >= MAX_ATTEMPTS || !(err instanceof KeyTaken || err instanceof ItemMoved || isRetryableSqlError(err))) throw err;
        // Stryker disable next-line ObjectLiteral,StringLiteral: the operator's log line only
        this.log.debug({ attempt, reason: (err as Error).message }, "store batch raced another writer; deciding it again");
      }
    }
  }

  private async applyOnce(proposals: readonly Proposal[]): Promise<Applied[]> {
    const storedAt = new Date(this.clock.now()).toISOString();
    const items = await this.load(proposals);
    const planned = this.planner(proposals, {
      statesOf: (ord) => {
        const p = proposals[ord] as Proposal;
        return items[p.kind].get(p.state.id) ?? NONE;
      },
      queryKnown: (queryId) => (items.query.get(queryId)?.length ?? 0) > 0,
    });
    const { outcomes, writes, conflicts, written } = planned;
    const counts = countsAfter(proposals, items, written);
    if (writes.length === 0 && conflicts.length === 0) await this.checkCounts(this.client, counts);
    else {
      const seqs = await this.write(planned, counts, storedAt);
      writes.forEach((w, i) => {
        const { kind, state } = w;
        (outcomes[w.ord] as Applied).stored = this.ownWrite({
          seq: seqs[i] as number,
          kind,
          id: state.id,
          queryId: w.queryId,
          itemVersion: versionOf(state),
          state,
          outcome: w.outcome,
          messageId: w.messageId,
          storedAt,
        });
      });
    }
    for (const kind of ["query", "result"] as const) {
      for (const [id, added] of written[kind]) {
        const read = items[kind].get(id);
        // Another burst of this process wrote the item meanwhile: neither array holds both writes.
        if (this.cache.peek(kind, id) === (read === ABSENT ? undefined : read)) this.cache.set(kind, id, [...(read ?? NONE), ...added]);
        else this.cache.delete(kind, id);
      }
    }
    return outcomes;
  }

  /** Keeps a committed state of this process's for the feed. */
  private ownWrite(stored: StoredState): StoredState {
    this.ownWrites.set(stored.seq, stored);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a state dropped from here is read from the database instead, the same state; the bound is memory only
    if (this.ownWrites.size > OWN_WRITES_KEPT) this.ownWrites.delete(this.ownWrites.keys().next().value as number);
    return stored;
  }

  /** The stored states of every item the batch names: from the cache, and the rest in one statement. */
  private async load(proposals: readonly Proposal[]): Promise<BatchItems> {
    const items: BatchItems = { query: new Map(), result: new Map() };
    const missing: { kind: ItemKind; id: string }[] = [];
    forEachItem(proposals, (kind, id) => {
      if (items[kind].has(id)) return;
      const cached = this.cache.get(kind, id);
      items[kind].set(id, cached ?? ABSENT);
      if (cached === undefined) missing.push({ kind, id });
    });
    if (missing.length === 0) return items;
    const { rows } = await this.client.query<{ kind: ItemKind; id: string; state: ItemState }>(
      `SELECT s.kind, s.id, s.state FROM ${this.s}.states s
       JOIN jsonb_to_recordset($1::jsonb) AS k(kind text, id text) ON s.kind = k.kind AND s.id = k.id`,
      [JSON.stringify(missing)],
    );
    const read: Record<ItemKind, Map<string, ItemState[]>> = { query: new Map(), result: new Map() };
    for (const r of rows) {
      const list = read[r.kind].get(r.id);
      if (list) list.push(r.state);
      else read[r.kind].set(r.id, [r.state]);
    }
    for (const kind of ["query", "result"] as const) {
      for (const [id, states] of read[kind]) {
        items[kind].set(id, states);
        // An item another burst of this process cached meanwhile is at least as recent as this read.
        if (!this.cache.has(kind, id)) this.cache.set(kind, id, states);
      }
    }
    return items;
  }

  /**
   * Writes a batch's states and conflict records atomically, in one transaction that holds the
   * store-order lock from the first position taken to the commit. Keys are insert-if-absent
   * through the primary key: a key another process stored meanwhile fails the whole write, and
   * the plan is stale; so does a state another process stored at another key of an item planned.
   */
  private async write(planned: Pick<Plan, "writes" | "conflicts">, counts: readonly ItemCount[], storedAt: string): Promise<number[]> {
    const { writes, conflicts } = planned;
    try {
      return await this.client.transaction(async (tx) => {
        const reserved = await this.reserve(tx, writes.length + conflicts.length);
        // The positions go in the order the hub decided: a state and a conflict record of later proposals after both.
        const seqs: number[] = [];
        const conflictRows: ConflictInsert[] = [];
        let next = 0;
        eachInStoreOrder(
          planned,
          (_, i) => {
            seqs[i] = reserved[next++] as number;
          },
          (c) => conflictRows.push(conflictInsert(c, reserved[next++] as number)),
        );
        await this.insertStates(tx, writes, seqs, storedAt);
        await this.insertConflicts(tx, conflictRows, storedAt);
        // Under the store-order lock, taken above: every other write has committed or waits for this one.
        await this.checkCounts(tx, counts);
        return seqs;
      });
    } catch (err) {
      if ((err as { code?: unknown } | null)?.code === UNIQUE_VIOLATION) throw new KeyTaken((err as Error).message);
      throw err;
    }
  }

  /**
   * Takes `count` positions from the store order, under its lock, in one statement, ascending;
   * they are written with the rows: no RETURNING for the server to build and send.
   */
  private async reserve(tx: SqlQueryable, count: number): Promise<number[]> {
    const { rows: reserved } = await tx.query<{ seq: string | number }>(
      `SELECT nextval('${this.s}.store_order') AS seq FROM generate_series(1, $1::integer) WHERE ${orderLocked("$2")}`,
      [count, this.orderLock],
    );
    // Stryker disable next-line MethodExpression,ArithmeticOperator,ArrowFunction: nextval over generate_series answers the positions in ascending order already, and a comparator that is always positive or answers nothing leaves an ascending array as it is
    return reserved.map((r) => Number(r.seq)).sort((a, b) => a - b);
  }

  /**
   * Inserts the writes, each at its position of `seqs`: a row carries its position, so the order
   * the rows go in does not matter. Where the engine takes COPY, the rows go as COPY's text, which
   * the server parses far more cheaply than a JSON record set.
   */
  private async insertStates(tx: SqlQueryable, writes: readonly PlannedWrite[], seqs: readonly number[], storedAt: string): Promise<void> {
    if (writes.length === 0) return;
    if (tx.copyFrom) {
      let text = "";
      writes.forEach((w, i) => {
        const { state } = w;
        text += `${seqs[i]}\t${w.kind}\t${copyField(state.id)}\t${versionOf(state)}\t${copyField(w.queryId)}\t${copyField(JSON.stringify(state))}\t${w.outcome}\t${copyField(w.messageId)}\t${storedAt}\n`;
      });
      await tx.copyFrom(
        `COPY ${this.s}.states (seq, kind, id, item_version, query_id, state, outcome, message_id, stored_at) FROM STDIN`,
        text,
      );
      return;
    }
    const rows = writes.map((w, i) => stateRow(w, seqs[i] as number));
    for (const part of chunks(rows, this.pageRows)) {
      await tx.query(
        `INSERT INTO ${this.s}.states (seq, kind, id, item_version, query_id, state, outcome, message_id, stored_at)
         SELECT r.seq, r.kind, r.id, r.item_version, r.query_id, r.state, r.outcome, r.message_id, $2::timestamptz
         FROM jsonb_to_recordset($1::jsonb)
           AS r(seq bigint, kind text, id text, item_version bigint, query_id text, state jsonb, outcome text, message_id text)`,
        [JSON.stringify(part), storedAt],
      );
    }
  }

  /** Fails the batch if an item of it holds other than the states it was planned from and writes. */
  private async checkCounts(q: SqlQueryable, counts: readonly ItemCount[]): Promise<void> {
    const { rows } = await q.query<{ kind: ItemKind; id: string }>(
      `SELECT k.kind, k.id FROM jsonb_to_recordset($1::jsonb) AS k(kind text, id text, n bigint)
       WHERE (SELECT count(*) FROM ${this.s}.states s WHERE s.kind = k.kind AND s.id = k.id) <> k.n LIMIT 1`,
      [JSON.stringify(counts)],
    );
    const moved = rows[0];
    // Stryker disable next-line StringLiteral: the reason goes to the debug line of the retry only; ItemMoved is caught by apply and the burst decided again
    if (moved) throw new ItemMoved(`${moved.kind} ${moved.id}`);
  }

  /** Inserts the conflict records, each at its position. */
  private async insertConflicts(tx: SqlQueryable, conflicts: readonly ConflictInsert[], at: string): Promise<void> {
    for (const part of chunks(conflicts, this.pageRows)) {
      await tx.query(
        `INSERT INTO ${this.s}.conflicts (seq, kind, id, query_id, item_version, proposed, collided_with, resolution, rebased_to, message_id, at)
         SELECT r.seq, r.kind, r.id, r.query_id, r.item_version, r.proposed, r.collided_with, r.resolution, r.rebased_to, r.message_id, $2::timestamptz
         FROM jsonb_to_recordset($1::jsonb)
           AS r(seq bigint, kind text, id text, query_id text, item_version bigint, proposed jsonb, collided_with jsonb,
                resolution text, rebased_to bigint, message_id text)`,
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
        `SELECT * FROM ${this.s}.states WHERE seq > $1 ORDER BY seq LIMIT ${this.pageRows}`,
        [after],
      );
      for (const r of rows) yield toStored(r);
      if (rows.length < this.pageRows) return;
      after = Number(rows[rows.length - 1]!.seq);
    }
  }

  async readAfter(position: number, limit: number): Promise<FeedPage> {
    const after = Math.trunc(position);
    // This process's committed states after the position are not read back at all. Positions
    // commit in order, so every position before the newest of them is committed too, and the read,
    // sent after they were taken, holds every other row up to there. One kept at or before the
    // position is behind this reader already (kept after its read went by).
    const own: StoredState[] = [];
    for (const [seq, stored] of this.ownWrites) {
      if (seq > after) own.push(stored);
      else this.ownWrites.delete(seq);
    }
    // Stryker disable next-line MethodExpression,ArrowFunction,ArithmeticOperator: kept in the order their bursts committed, which the store-order lock makes the order of their positions; the sort leaves them so
    own.sort((a, b) => a.seq - b.seq);
    // One statement, so one snapshot: read in two, a commit between them could put a conflict
    // record in the page whose states before it the page lacks, and the reader would move past them.
    const { rows } = await this.client.query<FeedRow>(
      `(SELECT 'state' AS record, seq, kind, id, query_id, item_version, state, outcome, message_id, stored_at,
               NULL::jsonb AS collided_with, NULL::bigint AS rebased_to
          FROM ${this.s}.states WHERE seq > $1 AND seq <> ALL($3::bigint[]) ORDER BY seq LIMIT $2)
       UNION ALL
       (SELECT 'conflict', seq, kind, id, query_id, item_version, proposed, resolution, message_id, at, collided_with, rebased_to
          FROM ${this.s}.conflicts WHERE seq > $1 ORDER BY seq LIMIT $2)
       ORDER BY seq LIMIT $2`,
      [after, limit, own.map((o) => o.seq)],
    );
    const page: FeedPage = {
      states: [],
      // Stryker disable next-line ArrayDeclaration: a page's conflict records are counted by its reader (a full page reads on), never read, so one more only makes it read once more
      conflicts: [],
      through: after,
    };
    let next = 0;
    let taken = 0;
    const takeOwnBefore = (seq: number) => {
      for (; next < own.length && taken < limit && (own[next] as StoredState).seq < seq; next++, taken++) {
        const o = own[next] as StoredState;
        page.states.push(o);
        page.through = o.seq;
      }
    };
    for (const r of rows) {
      const seq = Number(r.seq);
      takeOwnBefore(seq);
      if (taken >= limit) break;
      taken++;
      if (r.record === "state") page.states.push(toStored(r));
      else
        page.conflicts.push(
          toConflict({
            ...r,
            proposed: r.state,
            resolution: r.outcome as ConflictRow["resolution"],
            at: r.stored_at,
            collided_with: r.collided_with as ItemState,
          }),
        );
      page.through = seq;
    }
    // Ours after the last row, while the page has room: a full read leaves none (rows beyond it may
    // come before them), and they wait for the next page, as those rows do.
    takeOwnBefore(Number.POSITIVE_INFINITY);
    // Read past: a reader that comes back for them reads them whole.
    // Stryker disable next-line ConditionalExpression,EqualityOperator: one kept too long is dropped by the next read (at or before its position), one dropped too early is read from the database, the same state
    for (const o of own) if (o.seq <= page.through) this.ownWrites.delete(o.seq);
    return page;
  }

  watch(listener: () => void): () => void {
    const wake = () => listener();
    this.watchers.add(wake);
    this.stopListening ??= this.listen();
    return () => {
      this.watchers.delete(wake);
      if (this.watchers.size === 0) void this.unlisten();
    };
  }

  /** Listens for the feed's notifications, or answers how to stop nothing when the client cannot. */
  private listen(): Promise<() => Promise<void>> {
    const listening = this.client.listen(
      feedChannel(this.s),
      () => this.wake(),
      () => this.wake(),
    );
    // Stryker disable next-line BlockStatement: reached only by a client whose listen rejects while its store is open, and neither does: pg's makes its listening connection again itself, PGlite's rejects once closed
    return listening.catch((err) => {
      // The feed's own polling still reads on: a lost wake-up costs only latency.
      // Stryker disable next-line ObjectLiteral,StringLiteral: the operator's log line only
      this.log.warn({ err }, "store feed: cannot listen for wake-ups; readers poll");
      this.stopListening = undefined;
      return async () => {};
    });
  }

  private wake(): void {
    for (const w of this.watchers) w();
  }

  private async unlisten(): Promise<void> {
    const stopping = this.stopListening;
    this.stopListening = undefined;
    if (stopping) await (await stopping)();
  }

  async saveSnapshot(snapshot: StoredSnapshot): Promise<void> {
    await this.client.query(`INSERT INTO ${this.s}.view_snapshots (position, data) VALUES ($1, $2) ON CONFLICT (position) DO NOTHING`, [
      snapshot.position,
      snapshot.data,
    ]);
    // Stryker disable next-line StringLiteral: the older snapshots kept too only take space; a hub starts from the newest
    const pruneOlder = `DELETE FROM ${this.s}.view_snapshots WHERE position NOT IN
         (SELECT position FROM ${this.s}.view_snapshots ORDER BY position DESC LIMIT ${SNAPSHOTS_KEPT})`;
    await this.client.query(pruneOlder);
  }

  async latestSnapshot(): Promise<StoredSnapshot | undefined> {
    const { rows } = await this.client.query<{ position: string | number; data: Uint8Array }>(
      `SELECT position, data FROM ${this.s}.view_snapshots ORDER BY position DESC LIMIT 1`,
    );
    const row = rows[0];
    return row && { position: Number(row.position), data: new Uint8Array(row.data) };
  }

  async counts(): Promise<StoreCounts> {
    const { rows } = await this.client.query<{ states: string | number; conflicts: string | number }>(
      `SELECT (SELECT count(*) FROM ${this.s}.states) AS states, (SELECT count(*) FROM ${this.s}.conflicts) AS conflicts`,
    );
    // Stryker disable next-line OptionalChaining: a SELECT of two counts always answers one row
    return { states: Number(rows[0]?.states ?? 0), conflicts: Number(rows[0]?.conflicts ?? 0) };
  }
}
