import type { ItemKind, ItemState } from "../apply/precedence.ts";
import type { Clock } from "../ports/clock.ts";
import type { ResultState } from "../protocol/items.ts";
import type { Applied, ConflictRecord, Proposal, Store, StoreCounts, StoredState } from "../ports/store.ts";
import { Column } from "./column.ts";
import { MessageIds } from "./messageIds.ts";
import { PackedResults } from "./packedResults.ts";
import { type ApplyPolicy, queryIdOf, stepOf } from "./step.ts";

/**
 * The state to keep: when an earlier state of the item has the same id, query, node and creation
 * date, the new one points at those strings instead of holding its own copies (each decoded
 * message brings fresh ones). A million results keep several states each, so this is most of
 * what a stored state weighs beyond its own fields.
 */
function sharingText(state: ItemState, earlier: ItemState | undefined): ItemState {
  if (earlier === undefined) return state;
  const r = state as Partial<ResultState>;
  const e = earlier as Partial<ResultState>;
  const vi =
    state.versionInfo.createDate === earlier.versionInfo.createDate
      ? { ...state.versionInfo, createDate: earlier.versionInfo.createDate }
      : state.versionInfo;
  const shared: Record<string, unknown> = { ...state, versionInfo: vi };
  if (state.id === earlier.id) shared.id = earlier.id;
  if (r.queryId !== undefined && r.queryId === e.queryId) shared.queryId = e.queryId;
  if (r.nodeId !== undefined && r.nodeId === e.nodeId) shared.nodeId = e.nodeId;
  return shared as ItemState;
}

/** The outcomes a state can be stored by, by their code in the log. */
const OUTCOMES: readonly StoredState["outcome"][] = ["applied", "applied-late", "conflict-rebased"];
const KINDS: readonly ItemKind[] = ["query", "result"];

/**
 * Every stored state in store order, one column per field, so a state costs a few typed slots
 * beside its own object (or its packed columns: a node's result states) instead of a StoredState
 * wrapper with a storedAt string of its own. A million results store several million states;
 * their StoredState objects are built only when read (states, history, replay).
 */
class StateLog {
  /** The state itself, or its slot among the packed result states. */
  private readonly entries: (ItemState | number)[] = [];
  private readonly packed = new PackedResults();
  private readonly seqs = new Column((n) => new Float64Array(n));
  /** kind * OUTCOMES.length + outcome. */
  private readonly codes = new Column((n) => new Uint8Array(n));
  /** Clock ms when stored. */
  private readonly storedAt = new Column((n) => new Float64Array(n));
  /** The place of the item's state before this one, or -1: an item's states form a chain. */
  private readonly previous = new Column((n) => new Int32Array(n));
  private readonly messageIds = new MessageIds();

  get length(): number {
    return this.entries.length;
  }

  /** `newest` is the place of the item's newest state, `base` its first state, which a result state is packed against. */
  push(
    seq: number,
    kind: ItemKind,
    state: ItemState,
    item: { newest: number; base: ItemState } | undefined,
    outcome: StoredState["outcome"],
    messageId: string | null,
    at: number,
  ): number {
    const place = this.entries.length;
    const slot = kind === "result" && item ? this.packed.pack(state as ResultState, item.base as ResultState) : undefined;
    this.entries.push(slot ?? state);
    this.seqs.push(seq);
    this.codes.push(KINDS.indexOf(kind) * OUTCOMES.length + OUTCOMES.indexOf(outcome));
    this.storedAt.push(at);
    this.previous.push(item ? item.newest : -1);
    this.messageIds.push(messageId);
    return place;
  }

  stateAt(place: number): ItemState {
    const entry = this.entries[place] as ItemState | number;
    return typeof entry === "number" ? this.packed.unpack(entry) : entry;
  }

  /** The places of an item's states, oldest first, from the place of its newest. */
  chain(newest: number | undefined): number[] {
    const places: number[] = [];
    for (let p = newest ?? -1; p >= 0; p = this.previous.at(p)) places.push(p);
    return places.reverse();
  }

  read(place: number, state = this.stateAt(place)): StoredState {
    const code = this.codes.at(place);
    const kind = KINDS[Math.floor(code / OUTCOMES.length)] as ItemKind;
    return {
      seq: this.seqs.at(place),
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
 * The store in process memory: the default of `npm start` and of simulations. It keeps the
 * minimum a million results need: the log's columns, and per item the place of its newest state.
 */
export class MemoryStore implements Store {
  readonly name = "memory";
  private readonly clock: Clock;
  /** The place of each item's newest stored state, by id. */
  private readonly queries = new Map<string, number>();
  private readonly results = new Map<string, number>();
  /** Every stored state, in store order: what replay reads. */
  private readonly log = new StateLog();
  /** The results of each query, by id (shared with their states): what history reads. */
  private readonly resultsOfQuery = new Map<string, string[]>();
  private readonly conflictsOfQuery = new Map<string, ConflictRecord[]>();
  private conflictCount = 0;
  /** One order across states and conflict records. */
  private seq = 0;
  private lastNow = Number.NaN;
  private lastIso = "";
  readonly policy: ApplyPolicy;

  constructor(opts: { clock: Clock; policy?: ApplyPolicy }) {
    this.clock = opts.clock;
    this.policy = opts.policy ?? "versioned";
  }

  async open(): Promise<void> {}

  async ready(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}

  async apply(proposals: readonly Proposal[]): Promise<Applied[]> {
    return proposals.map((p) => this.applyOne(p));
  }

  private applyOne(p: Proposal): Applied {
    const newest = (p.kind === "query" ? this.queries : this.results).get(p.state.id);
    const storedStates = this.log.chain(newest).map((place) => this.log.stateAt(place));
    const queryId = queryIdOf(p.kind, p.state);
    const queryKnown = p.kind === "query" || this.queries.has(queryId);
    const { decision, current } = stepOf(p, storedStates, queryKnown, this.policy);
    const messageId = p.messageId ?? null;
    switch (decision.outcome) {
      case "rejected":
        return { outcome: "rejected", reason: decision.reason };
      case "duplicate":
        return { outcome: "duplicate", current };
      case "conflict-discarded":
        this.recordConflict(p.kind, queryId, p.state, decision.collidedWith, null, messageId);
        return { outcome: "conflict-discarded", current };
      default: {
        const write = sharingText(decision.write, storedStates[0]);
        const item = newest === undefined ? undefined : { newest, base: storedStates[0] as ItemState };
        const stored = this.store(p.kind, queryIdOf(p.kind, write), write, decision.outcome, messageId, item);
        if (decision.outcome === "conflict-rebased") {
          this.recordConflict(p.kind, queryId, p.state, decision.collidedWith, stored.itemVersion, messageId);
        }
        // The view keeps the very object the store keeps, not a second copy of it.
        return { outcome: decision.outcome, stored, current: current === decision.write ? write : current };
      }
    }
  }

  /** The clock's time as ISO text, one string shared by every record made within the same millisecond. */
  private nowIso(): string {
    const now = this.clock.now();
    if (now !== this.lastNow) {
      this.lastNow = now;
      this.lastIso = new Date(now).toISOString();
    }
    return this.lastIso;
  }

  private store(
    kind: ItemKind,
    queryId: string,
    state: ItemState,
    outcome: StoredState["outcome"],
    messageId: string | null,
    item: { newest: number; base: ItemState } | undefined,
  ): StoredState {
    const place = this.log.push(++this.seq, kind, state, item, outcome, messageId, this.clock.now());
    (kind === "query" ? this.queries : this.results).set(state.id, place);
    if (item === undefined && kind === "result") {
      const ofQuery = this.resultsOfQuery.get(queryId);
      if (ofQuery) ofQuery.push(state.id);
      else this.resultsOfQuery.set(queryId, [state.id]);
    }
    return this.log.read(place, state);
  }

  private recordConflict(
    kind: ItemKind,
    queryId: string,
    proposed: ItemState,
    collidedWith: ItemState,
    rebasedTo: number | null,
    messageId: string | null,
  ): void {
    const conflict: ConflictRecord = {
      seq: ++this.seq,
      kind,
      id: proposed.id,
      queryId,
      itemVersion: proposed.versionInfo.itemVersion,
      proposed,
      collidedWith,
      resolution: rebasedTo === null ? "discarded" : "rebased",
      rebasedTo,
      messageId,
      at: this.nowIso(),
    };
    const list = this.conflictsOfQuery.get(queryId);
    if (list) list.push(conflict);
    else this.conflictsOfQuery.set(queryId, [conflict]);
    this.conflictCount++;
  }

  async states(kind: ItemKind, id: string): Promise<StoredState[]> {
    return this.log.chain((kind === "query" ? this.queries : this.results).get(id)).map((place) => this.log.read(place));
  }

  async history(queryId: string): Promise<{ states: StoredState[]; conflicts: ConflictRecord[] }> {
    const places = this.log.chain(this.queries.get(queryId));
    for (const id of this.resultsOfQuery.get(queryId) ?? []) places.push(...this.log.chain(this.results.get(id)));
    // Log places are in store order, like seq.
    places.sort((a, b) => a - b);
    return { states: places.map((place) => this.log.read(place)), conflicts: [...(this.conflictsOfQuery.get(queryId) ?? [])] };
  }

  async *replay(): AsyncIterable<StoredState> {
    // Bounded by the length at the start, so states stored while replaying are not read twice.
    const end = this.log.length;
    for (let place = 0; place < end; place++) yield this.log.read(place);
  }

  async counts(): Promise<StoreCounts> {
    return { states: this.log.length, conflicts: this.conflictCount };
  }
}
