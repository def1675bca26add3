import type { ItemKind, ItemState } from "../apply/precedence.ts";
import type { Clock } from "../ports/clock.ts";
import type { ResultState } from "../protocol/items.ts";
import type { Applied, ConflictRecord, Proposal, Store, StoreCounts, StoredState } from "../ports/store.ts";
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
 * Every stored state in store order, one column per field, so a state costs a few array slots
 * beside its own object (or its packed columns: a node's result states) instead of a StoredState
 * wrapper with a storedAt string of its own. A million results store several million states;
 * their StoredState objects are built only when read (states, history, replay).
 */
class StateLog {
  /** The state itself, or its slot among the packed result states. */
  private readonly entries: (ItemState | number)[] = [];
  private readonly packed = new PackedResults();
  readonly seqs: number[] = [];
  /** kind * OUTCOMES.length + outcome. */
  readonly codes: number[] = [];
  /** Clock ms when stored. */
  readonly storedAt: number[] = [];
  readonly messageIds = new MessageIds();

  get length(): number {
    return this.entries.length;
  }

  /** `base` is the item's first state, which a result state is packed against. */
  push(
    seq: number,
    kind: ItemKind,
    state: ItemState,
    base: ItemState | undefined,
    outcome: StoredState["outcome"],
    messageId: string | null,
    at: number,
  ): number {
    const place = this.entries.length;
    const slot = kind === "result" && base ? this.packed.pack(state as ResultState, base as ResultState) : undefined;
    this.entries.push(slot ?? state);
    this.seqs.push(seq);
    this.codes.push(KINDS.indexOf(kind) * OUTCOMES.length + OUTCOMES.indexOf(outcome));
    this.storedAt.push(at);
    this.messageIds.push(messageId);
    return place;
  }

  stateAt(place: number): ItemState {
    const entry = this.entries[place] as ItemState | number;
    return typeof entry === "number" ? this.packed.unpack(entry) : entry;
  }

  read(index: number): StoredState {
    const state = this.stateAt(index);
    const code = this.codes[index] as number;
    const kind = KINDS[Math.floor(code / OUTCOMES.length)] as ItemKind;
    return {
      seq: this.seqs[index] as number,
      kind,
      id: state.id,
      queryId: queryIdOf(kind, state),
      itemVersion: state.versionInfo.itemVersion,
      state,
      outcome: OUTCOMES[code % OUTCOMES.length] as StoredState["outcome"],
      messageId: this.messageIds.at(index),
      storedAt: new Date(this.storedAt[index] as number).toISOString(),
    };
  }
}

/** An item's stored states: their places in the log, in store order. */
type ItemStates = number[];

/**
 * The store in process memory: the default of `npm start` and of simulations. It keeps the
 * minimum a million results need: the log's columns, and per item the places of its states.
 */
export class MemoryStore implements Store {
  readonly name = "memory";
  private readonly clock: Clock;
  private readonly queries = new Map<string, ItemStates>();
  private readonly results = new Map<string, ItemStates>();
  /** Every stored state, in store order: what replay reads. */
  private readonly log = new StateLog();
  /** The items of each query, queries and results alike: what history reads. */
  private readonly itemsOfQuery = new Map<string, ItemStates[]>();
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
    const items = p.kind === "query" ? this.queries : this.results;
    const record = items.get(p.state.id);
    const storedStates = record ? record.map((i) => this.log.stateAt(i)) : [];
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
        const stored = this.store(p.kind, queryIdOf(p.kind, write), write, decision.outcome, messageId, record, storedStates[0]);
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
    existing: ItemStates | undefined,
    first: ItemState | undefined,
  ): StoredState {
    const index = this.log.push(++this.seq, kind, state, first, outcome, messageId, this.clock.now());
    let record = existing;
    if (record === undefined) {
      record = [];
      (kind === "query" ? this.queries : this.results).set(state.id, record);
      const ofQuery = this.itemsOfQuery.get(queryId);
      if (ofQuery) ofQuery.push(record);
      else this.itemsOfQuery.set(queryId, [record]);
    }
    record.push(index);
    return { ...this.log.read(index), state };
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
    return ((kind === "query" ? this.queries : this.results).get(id) ?? []).map((i) => this.log.read(i));
  }

  async history(queryId: string): Promise<{ states: StoredState[]; conflicts: ConflictRecord[] }> {
    // Log places are in store order, like seq.
    const places = (this.itemsOfQuery.get(queryId) ?? []).flat().sort((a, b) => a - b);
    return { states: places.map((i) => this.log.read(i)), conflicts: [...(this.conflictsOfQuery.get(queryId) ?? [])] };
  }

  async *replay(): AsyncIterable<StoredState> {
    // Bounded by the length at the start, so states stored while replaying are not read twice.
    const end = this.log.length;
    for (let i = 0; i < end; i++) yield this.log.read(i);
  }

  async counts(): Promise<StoreCounts> {
    return { states: this.log.length, conflicts: this.conflictCount };
  }
}
