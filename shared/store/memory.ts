import { type PlannedConflict, type PlannedWrite, type Planner, eachInStoreOrder, plan, queryIdOf } from "../apply/plan.ts";
import type { ItemKind, ItemState } from "../apply/precedence.ts";
import type { Clock } from "../ports/clock.ts";
import type { ResultState } from "../protocol/items.ts";
import type { Applied, ConflictRecord, FeedPage, Proposal, Store, StoreCounts, StoredSnapshot, StoredState } from "../ports/store.ts";
import { Column } from "../packed/column.ts";
import { MessageIds } from "../packed/messageIds.ts";
import { Interned, ResultFields, ResultTexts } from "../packed/results.ts";

/** The outcomes a state can be stored by, by their code in the log. */
const OUTCOMES: readonly StoredState["outcome"][] = ["applied", "applied-late", "conflict-rebased"];
const KINDS: readonly ItemKind[] = ["query", "result"];
/** Added to a place's code when its state is packed in the result columns rather than kept as an object. */
const PACKED = 8;

/** How many of the first `length` ascending numbers `at` gives are at most `value`. */
function countAtMost(length: number, at: (i: number) => number, value: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at(mid) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Every stored state in store order, one column per field. A result state that rebuilds exactly
 * costs a few typed slots (its fields here, its text once per result in `texts`); any other
 * state is kept as its object. A million results store several million states; their objects and
 * StoredState wrappers are built only when read (states, history, replay, a decision).
 */
class StateLog {
  private readonly fields = new ResultFields();
  /** kind * OUTCOMES.length + outcome, plus PACKED. */
  private readonly codes = new Column((n) => new Uint8Array(n));
  /** Clock ms when stored. */
  private readonly storedAt = new Column((n) => new Float64Array(n));
  /** The place of the item's state before this one, or -1: an item's states form a chain. */
  private readonly previous = new Column((n) => new Int32Array(n));
  /** The result item of a packed state: whose text it is rebuilt around. */
  private readonly items = new Column((n) => new Int32Array(n));
  private readonly messageIds = new MessageIds();
  /** The states that are not packed, by place: queries, and results that would not rebuild exactly. */
  private readonly objects = new Map<number, ItemState>();
  /** The log's length when each conflict record took its seq: a state's seq is its place + 1 + the conflicts before it. */
  // Stryker disable next-line ArrayDeclaration: a planted first entry counts as one more conflict from the first real one on, so every position from there is one higher: positions still increase and none is shared, one goes unused
  private readonly conflictsAt: number[] = [];

  constructor(private readonly texts: ResultTexts) {}

  get length(): number {
    return this.codes.length;
  }

  /** Appends a state; `item` is its result item (undefined for a query), `previous` the place of the item's newest state or -1. */
  push(
    kind: ItemKind,
    state: ItemState,
    item: number | undefined,
    previous: number,
    outcome: StoredState["outcome"],
    messageId: string | null,
    at: number,
  ): number {
    const place = this.length;
    const packed = item !== undefined && this.texts.fits(item, state as ResultState) && this.fields.write(place, state as ResultState);
    if (!packed) this.objects.set(place, state);
    this.codes.push(KINDS.indexOf(kind) * OUTCOMES.length + OUTCOMES.indexOf(outcome) + (packed ? PACKED : 0));
    this.storedAt.push(at);
    this.previous.push(previous);
    // Stryker disable next-line UnaryOperator: only a packed state's item is read, and a query's state is never packed
    this.items.push(item ?? -1);
    this.messageIds.push(messageId);
    return place;
  }

  /** The seq of a conflict record made now, after every state stored so far. */
  conflictSeq(): number {
    this.conflictsAt.push(this.length);
    return this.length + this.conflictsAt.length;
  }

  stateAt(place: number): ItemState {
    return this.codes.at(place) & PACKED
      ? this.fields.read(place, this.texts, this.items.at(place))
      : (this.objects.get(place) as ItemState);
  }

  /** The places of an item's states, oldest first, from the place of its newest. */
  chain(newest: number | undefined): number[] {
    const places: number[] = [];
    for (let p = newest ?? -1; p >= 0; p = this.previous.at(p)) places.push(p);
    return places.reverse();
  }

  /** The store position of the state at a place. */
  seqOf(place: number): number {
    return place + 1 + countAtMost(this.conflictsAt.length, (i) => this.conflictsAt[i] as number, place);
  }

  /** The first place whose state is stored after `position`. */
  firstAfter(position: number): number {
    return countAtMost(this.length, (place) => this.seqOf(place), position);
  }

  read(place: number, state = this.stateAt(place)): StoredState {
    const code = this.codes.at(place) & ~PACKED;
    const kind = KINDS[Math.floor(code / OUTCOMES.length)] as ItemKind;
    return {
      seq: this.seqOf(place),
      kind,
      id: state.id,
      queryId: queryIdOf(kind, state),
      itemVersion: state.versionInfo.itemVersion,
      state,
      outcome: OUTCOMES[code % OUTCOMES.length] as StoredState["outcome"],
      messageId: this.messageIds.at(place),
      storedAt: new Date(this.storedAt.at(place)).toISOString(),
    };
  }
}

/**
 * The results the store knows, by number, each with the place of its newest state. A result id
 * "<query>:<node>" is looked up by its two parts, whose strings are kept once, so a million
 * results keep no id string of their own. (An id without a colon, which ingest refuses, would be
 * kept whole as its second part: the two parts always give back one id.)
 */
class ResultItems {
  private readonly names = new Interned();
  private readonly byQuery = new Map<string, Map<string, number>>();
  private readonly newest = new Column((n) => new Int32Array(n));
  /** The items of each query (its first state's queryId): what history reads. */
  private readonly ofQuery = new Map<string, number[]>();

  constructor(readonly texts: ResultTexts) {}

  find(id: string): number | undefined {
    const colon = id.indexOf(":");
    return this.byQuery.get(id.slice(0, colon))?.get(id.slice(colon + 1));
  }

  /** A new item for a result's first state. */
  add(state: ResultState, queryId: string): number {
    const item = this.texts.add(state);
    this.newest.push(-1);
    const colon = state.id.indexOf(":");
    const prefix = this.names.intern(state.id.slice(0, colon));
    const ofPrefix = this.byQuery.get(prefix) ?? new Map<string, number>();
    this.byQuery.set(prefix, ofPrefix);
    ofPrefix.set(this.names.intern(state.id.slice(colon + 1)), item);
    const items = this.ofQuery.get(queryId);
    if (items) items.push(item);
    else this.ofQuery.set(this.names.intern(queryId), [item]);
    return item;
  }

  newestOf(item: number | undefined): number | undefined {
    return item === undefined ? undefined : this.newest.at(item);
  }

  moved(item: number, place: number): void {
    this.newest.set(item, place);
  }

  ofQueryId(queryId: string): readonly number[] {
    return this.ofQuery.get(queryId) ?? [];
  }
}

/**
 * The store in process memory: the default of `npm start` and of simulations. It keeps the
 * minimum a million results need: the log's columns, and per item the place of its newest state.
 */
export class MemoryStore implements Store {
  private readonly clock: Clock;
  /** The place of each query's newest stored state, by id. */
  private readonly queries = new Map<string, number>();
  private readonly results = new ResultItems(new ResultTexts());
  /** Every stored state, in store order: what replay reads. */
  private readonly log = new StateLog(this.results.texts);
  private readonly conflictsOfQuery = new Map<string, ConflictRecord[]>();
  /** Every conflict record, in store order: what the feed reads beside the states. */
  private readonly conflicts: ConflictRecord[] = [];
  private readonly watchers = new Set<() => void>();
  private snapshot: StoredSnapshot | undefined;
  private readonly planner: Planner;

  /** `planner` decides what a burst does; the versioned plan of PROTOCOL.md section 3 by default. */
  constructor(opts: { clock: Clock; planner?: Planner }) {
    this.clock = opts.clock;
    this.planner = opts.planner ?? plan;
  }

  async open(): Promise<void> {}

  async ready(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}

  async apply(proposals: readonly Proposal[]): Promise<Applied[]> {
    /** The result item each proposal named when the plan read it, so a write need not look it up again. */
    // Stryker disable next-line ArrayDeclaration: a write reads its proposal's entry, set when the plan read the item; a planted entry of a proposal the plan did not read is read for no write
    const items: (number | undefined)[] = [];
    const planned = this.planner(proposals, {
      statesOf: (ord) => {
        const p = proposals[ord] as Proposal;
        if (p.kind === "query") return this.statesAt(this.queries.get(p.state.id));
        const item = this.results.find(p.state.id);
        items[ord] = item;
        return this.statesAt(this.results.newestOf(item));
      },
      queryKnown: (queryId) => this.queries.has(queryId),
    });
    const { outcomes, writes, conflicts } = planned;
    eachInStoreOrder(
      planned,
      (write) => {
        (outcomes[write.ord] as Applied).stored = this.store(write, items[write.ord]);
      },
      (c) => this.recordConflict(c),
    );
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: a wake-up is a hint that may be lost or come for nothing (the port says so): a view's feed reads on at its next poll either way
    if (writes.length > 0 || conflicts.length > 0) for (const wake of this.watchers) wake();
    return outcomes;
  }

  /** The states of an item's chain, oldest first, rebuilt from the log. */
  private statesAt(newest: number | undefined): ItemState[] {
    return this.log.chain(newest).map((place) => this.log.stateAt(place));
  }

  /** The place of an item's newest stored state, if it has one. */
  private newestOf(kind: ItemKind, id: string): number | undefined {
    return kind === "query" ? this.queries.get(id) : this.results.newestOf(this.results.find(id));
  }

  /** Appends a planned state to the log; `known` is its result item when the plan read one. */
  private store(w: PlannedWrite, known: number | undefined): StoredState {
    const { kind, state } = w;
    // An item the burst itself added has no `known`: found again, or added by its first write.
    const item =
      kind === "result" ? (known ?? this.results.find(state.id) ?? this.results.add(state as ResultState, w.queryId)) : undefined;
    const newest = item === undefined ? this.queries.get(state.id) : this.results.newestOf(item);
    const place = this.log.push(kind, state, item, newest ?? -1, w.outcome, w.messageId, this.clock.now());
    if (item === undefined) this.queries.set(state.id, place);
    else this.results.moved(item, place);
    return this.log.read(place, state);
  }

  private recordConflict(c: PlannedConflict): void {
    const conflict: ConflictRecord = {
      seq: this.log.conflictSeq(),
      kind: c.kind,
      id: c.id,
      queryId: c.queryId,
      itemVersion: c.itemVersion,
      proposed: c.proposed,
      collidedWith: c.collidedWith,
      resolution: c.resolution,
      rebasedTo: c.rebasedTo,
      messageId: c.messageId,
      at: new Date(this.clock.now()).toISOString(),
    };
    const list = this.conflictsOfQuery.get(c.queryId);
    if (list) list.push(conflict);
    else this.conflictsOfQuery.set(c.queryId, [conflict]);
    this.conflicts.push(conflict);
  }

  async states(kind: ItemKind, id: string): Promise<StoredState[]> {
    return this.log.chain(this.newestOf(kind, id)).map((place) => this.log.read(place));
  }

  async history(queryId: string): Promise<{ states: StoredState[]; conflicts: ConflictRecord[] }> {
    const places = this.log.chain(this.queries.get(queryId));
    for (const item of this.results.ofQueryId(queryId)) places.push(...this.log.chain(this.results.newestOf(item)));
    // Log places are in store order, like seq.
    places.sort((a, b) => a - b);
    return { states: places.map((place) => this.log.read(place)), conflicts: [...(this.conflictsOfQuery.get(queryId) ?? [])] };
  }

  async *replay(): AsyncIterable<StoredState> {
    // Bounded by the length at the start, so states stored while replaying are not read twice.
    const end = this.log.length;
    for (let place = 0; place < end; place++) yield this.log.read(place);
  }

  async readAfter(position: number, limit: number): Promise<FeedPage> {
    const page: FeedPage = { states: [], conflicts: [], through: position };
    let place = this.log.firstAfter(position);
    let c = countAtMost(this.conflicts.length, (i) => (this.conflicts[i] as ConflictRecord).seq, position);
    for (let n = 0; n < limit; n++) {
      const stateSeq = place < this.log.length ? this.log.seqOf(place) : Number.POSITIVE_INFINITY;
      const conflict = this.conflicts[c];
      if (conflict !== undefined && conflict.seq < stateSeq) {
        page.conflicts.push(conflict);
        page.through = conflict.seq;
        c++;
      } else if (place < this.log.length) {
        page.states.push(this.log.read(place++));
        page.through = stateSeq;
      } else break;
    }
    return page;
  }

  // Stryker disable BlockStatement,ArrowFunction: a wake-up may be lost (the port says so; lost-wakeups runs without any), and a stopped feed woken reads nothing: the feed polls, and checks that it runs
  watch(listener: () => void): () => void {
    // Its own entry, so one listener watching twice is stopped once per watch.
    const wake = () => listener();
    this.watchers.add(wake);
    return () => this.watchers.delete(wake);
  }
  // Stryker restore BlockStatement,ArrowFunction

  // Stryker disable all: a snapshot only shortens a replica's start: from any snapshot kept, or none, it reads on to the same view
  async saveSnapshot(snapshot: StoredSnapshot): Promise<void> {
    if (this.snapshot === undefined || snapshot.position > this.snapshot.position) this.snapshot = snapshot;
  }

  async latestSnapshot(): Promise<StoredSnapshot | undefined> {
    return this.snapshot;
  }
  // Stryker restore all

  async counts(): Promise<StoreCounts> {
    return { states: this.log.length, conflicts: this.conflicts.length };
  }
}
