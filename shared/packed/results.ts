import { resultId } from "../protocol/ids.ts";
import type { ResultState } from "../protocol/items.ts";
import { RESULT_STATUSES, type ResultStatus } from "../protocol/status.ts";
import { PackedBreakdowns } from "./breakdowns.ts";
import { Column } from "./column.ts";

/**
 * Result states as columns of numbers. A million results would otherwise each keep objects, a
 * versionInfo and fresh strings (every decoded message brings its own copies of the ids and
 * dates) in the store and again in the view. Two parts:
 * - ResultTexts: what every state of one result shares (query, node, createDate, protocol), once
 *   per result, the strings kept once for all results;
 * - ResultFields: what one state adds (status, version, changeDate, progress or count, message
 *   and obfuscation, breakdown cells), in slots.
 * A state is packed only when it rebuilds exactly, its keys in the same order; any other stays
 * an object with its user.
 */

/** Strings kept once and named by number: a million results name a thousand nodes, queries and creation dates. */
export class Interned {
  private readonly refs = new Map<string, number>();
  private readonly values: string[] = [];

  ref(value: string): number {
    let ref = this.refs.get(value);
    if (ref === undefined) {
      ref = this.values.length;
      this.values.push(value);
      this.refs.set(value, ref);
    }
    return ref;
  }

  at(ref: number): string {
    return this.values[ref] as string;
  }

  /** The one kept string equal to `value`. */
  intern(value: string): string {
    return this.at(this.ref(value));
  }
}

/** A protocol version no text has: the result's first state had no text to share. */
const NO_TEXT = -1;

/** Per result, the text its states share, by item number in the order results were added. */
export class ResultTexts {
  private readonly strings = new Interned();
  private readonly queries = new Column((n) => new Int32Array(n));
  private readonly nodes = new Column((n) => new Int32Array(n));
  private readonly createDates = new Column((n) => new Int32Array(n));
  private readonly protocols = new Column((n) => new Int16Array(n));

  get length(): number {
    return this.protocols.length;
  }

  /** A new item with the text of a result's first state; when that text is not plain strings and a small version, no state fits it. */
  add(state: ResultState): number {
    const item = this.protocols.length;
    const v = state.versionInfo as Partial<ResultState["versionInfo"]> | undefined;
    const usable =
      typeof state.queryId === "string" &&
      typeof state.nodeId === "string" &&
      typeof v?.createDate === "string" &&
      Number.isInteger(v.protocolVersion) &&
      (v.protocolVersion as number) >= 0 &&
      (v.protocolVersion as number) <= 0x7fff;
    this.queries.push(usable ? this.strings.ref(state.queryId) : 0);
    this.nodes.push(usable ? this.strings.ref(state.nodeId) : 0);
    this.createDates.push(usable ? this.strings.ref(v.createDate as string) : 0);
    this.protocols.push(usable ? (v.protocolVersion as number) : NO_TEXT);
    return item;
  }

  /** Whether the state has exactly the item's text: its id, query, node, createDate and protocol version. */
  fits(item: number, state: ResultState): boolean {
    const protocol = this.protocols.at(item);
    if (protocol === NO_TEXT) return false;
    const queryId = this.queryId(item);
    const nodeId = this.nodeId(item);
    const v = state.versionInfo;
    return (
      state.queryId === queryId &&
      state.nodeId === nodeId &&
      v?.protocolVersion === protocol &&
      v.createDate === this.createDate(item) &&
      state.id === resultId(queryId, nodeId)
    );
  }

  /** The item's query id: one string for every result that names the same query. */
  queryId(item: number): string {
    return this.strings.at(this.queries.at(item));
  }

  /** The item's node id: one string for every result that names the same node. */
  nodeId(item: number): string {
    return this.strings.at(this.nodes.at(item));
  }

  createDate(item: number): string {
    return this.strings.at(this.createDates.at(item));
  }

  protocolVersion(item: number): number {
    return this.protocols.at(item);
  }
}

/** The keys of a result state, in the order a packed one is rebuilt with. */
const RESULT_KEYS = ["id", "queryId", "nodeId", "versionInfo", "status", "progress", "count", "statusMessage", "obfuscation", "breakdowns"];
const VERSION_KEYS = ["protocolVersion", "itemVersion", "createDate", "changeDate"];
const STATUS_CODE = new Map(RESULT_STATUSES.map((s, i) => [s, i]));
const STATUS_MASK = 7;
const HAS_PROGRESS = 8;
const HAS_COUNT = 16;
const HAS_BREAKDOWNS = 32;
/** The code of a slot whose state did not pack. */
const UNPACKED = 255;
/** Extras refs are 16 bits, 0 meaning none. */
const MAX_EXTRAS = 0xffff;

/** What a few states carry beyond numbers: a failure message, the obfuscation a count was made with. */
interface Extras {
  statusMessage: string | undefined;
  obfuscation: Record<string, unknown> | undefined;
}

/** A changeDate as clock ms when its ISO text is exactly what that instant prints as. */
function msOf(iso: unknown): number | undefined {
  if (typeof iso !== "string") return undefined;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return undefined;
  // The usual text is told by its characters, with no string printed for every state packed.
  if (iso.length === 24 && printsAsItself(iso)) return ms;
  return new Date(ms).toISOString() === iso ? ms : undefined;
}

const digitAt = (s: string, i: number) => s.charCodeAt(i) - 48;
const numberAt = (s: string, i: number, n: number) => {
  let v = 0;
  for (let k = i; k < i + n; k++) v = v * 10 + digitAt(s, k);
  return v;
};
/** Where a printed instant has its digits (d) and which characters stand between them. */
const ISO_SHAPE = "dddd-dd-ddTdd:dd:dd.dddZ";

/**
 * Whether text Date.parse took is what its instant prints as: YYYY-MM-DDTHH:mm:ss.sssZ with an hour
 * below 24 and a day the month has (Date.parse takes 24:00 and the 31st of any month, and moves them on).
 */
function printsAsItself(iso: string): boolean {
  for (let i = 0; i < ISO_SHAPE.length; i++) {
    const shape = ISO_SHAPE.charCodeAt(i);
    const c = iso.charCodeAt(i);
    if (shape === 100 /* d */ ? c < 48 || c > 57 : c !== shape) return false;
  }
  const year = numberAt(iso, 0, 4);
  const month = numberAt(iso, 5, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return numberAt(iso, 11, 2) < 24 && numberAt(iso, 8, 2) <= days;
}

/** The keys appear in the order of `order`, each at most once and none other. */
function inOrder(value: object, order: readonly string[]): boolean {
  let k = 0;
  for (const key in value) {
    while (k < order.length && order[k] !== key) k++;
    if (k++ === order.length) return false;
  }
  return true;
}

/** An object of plain values that JSON carries exactly, so its text names it: what an obfuscation is. */
function plainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const v of Object.values(value)) {
    if (typeof v === "number" ? !Number.isFinite(v) || Object.is(v, -0) : typeof v !== "string" && typeof v !== "boolean") return false;
  }
  return true;
}

/** Per slot, the fields of one result state beyond its item's text. */
export class ResultFields {
  /** Status code, HAS_PROGRESS, HAS_COUNT and HAS_BREAKDOWNS; UNPACKED for a slot that holds none. */
  private readonly codes = new Column((n) => new Uint8Array(n));
  private readonly versions = new Column((n) => new Uint32Array(n));
  /** changeDate as clock ms. */
  private readonly changes = new Column((n) => new Float64Array(n));
  /** The progress when there is one, else the count. */
  private readonly values = new Column((n) => new Float64Array(n));
  /** 1 + the ref of the slot's extras, 0 for none. */
  private readonly extras = new Column((n) => new Uint16Array(n));
  /** The count of a state that has a progress too (none of the ladder's states do). */
  private readonly secondCounts = new Map<number, number>();
  private readonly extraRefs = new Map<string, number>();
  private readonly extraValues: Extras[] = [];
  private readonly breakdowns = new PackedBreakdowns();

  /**
   * Writes the state's own fields at the slot. False, the slot then marked unpacked, when they
   * would not rebuild exactly. The text is the caller's to check (ResultTexts.fits).
   */
  write(slot: number, state: ResultState): boolean {
    const code = codeOf(state);
    const mask = code === undefined || !(code & HAS_BREAKDOWNS) ? 0 : PackedBreakdowns.maskOf(state.breakdowns);
    const extra = code === undefined || mask === undefined ? undefined : this.extraOf(state);
    if (code === undefined || mask === undefined || extra === undefined) return this.clear(slot);
    this.secondCounts.delete(slot);
    if (code & HAS_BREAKDOWNS) this.breakdowns.write(slot, state.breakdowns as NonNullable<ResultState["breakdowns"]>, mask);
    else this.breakdowns.clear(slot);
    this.codes.set(slot, code);
    this.versions.set(slot, state.versionInfo.itemVersion);
    this.changes.set(slot, Date.parse(state.versionInfo.changeDate));
    this.values.set(slot, state.progress ?? state.count ?? 0);
    if (state.progress !== undefined && state.count !== undefined) this.secondCounts.set(slot, state.count);
    this.extras.set(slot, extra);
    return true;
  }

  /** Marks the slot as holding no packed state; answers false, as a failed write does. */
  clear(slot: number): false {
    this.secondCounts.delete(slot);
    this.breakdowns.clear(slot);
    this.codes.set(slot, UNPACKED);
    return false;
  }

  /** Whether the slot holds a packed state. */
  packed(slot: number): boolean {
    return slot < this.codes.length && this.codes.at(slot) !== UNPACKED;
  }

  /** The status of the packed state at the slot, without building it. */
  status(slot: number): ResultStatus {
    return RESULT_STATUSES[this.codes.at(slot) & STATUS_MASK] as ResultStatus;
  }

  /** The itemVersion of the packed state at the slot, without building it. */
  itemVersion(slot: number): number {
    return this.versions.at(slot);
  }

  /** A fresh object equal to the state packed at the slot, around its item's text. */
  read(slot: number, texts: ResultTexts, item: number): ResultState {
    const code = this.codes.at(slot);
    const queryId = texts.queryId(item);
    const nodeId = texts.nodeId(item);
    const state: ResultState = {
      id: resultId(queryId, nodeId),
      queryId,
      nodeId,
      versionInfo: {
        protocolVersion: texts.protocolVersion(item) as ResultState["versionInfo"]["protocolVersion"],
        itemVersion: this.versions.at(slot),
        createDate: texts.createDate(item),
        changeDate: new Date(this.changes.at(slot)).toISOString(),
      },
      status: RESULT_STATUSES[code & STATUS_MASK] as ResultStatus,
    };
    const value = this.values.at(slot);
    if (code & HAS_PROGRESS) state.progress = value;
    if (code & HAS_COUNT) state.count = code & HAS_PROGRESS ? this.secondCounts.get(slot) : value;
    const extra = this.extras.at(slot);
    if (extra > 0) {
      const { statusMessage, obfuscation } = this.extraValues[extra - 1] as Extras;
      if (statusMessage !== undefined) state.statusMessage = statusMessage;
      if (obfuscation !== undefined) state.obfuscation = { ...obfuscation } as ResultState["obfuscation"];
    }
    if (code & HAS_BREAKDOWNS) state.breakdowns = this.breakdowns.read(slot);
    return state;
  }

  /** 1 + the ref of the state's message and obfuscation, 0 for neither; undefined when they would not rebuild exactly. */
  private extraOf(state: ResultState): number | undefined {
    const { statusMessage, obfuscation } = state;
    if ("statusMessage" in state && typeof statusMessage !== "string") return undefined;
    if ("obfuscation" in state && !plainRecord(obfuscation)) return undefined;
    if (statusMessage === undefined && obfuscation === undefined) return 0;
    const key = JSON.stringify([statusMessage ?? null, obfuscation ?? null]);
    let ref = this.extraRefs.get(key);
    if (ref === undefined) {
      if (this.extraValues.length >= MAX_EXTRAS) return undefined;
      ref = this.extraValues.length;
      this.extraValues.push({ statusMessage, obfuscation: obfuscation === undefined ? undefined : { ...obfuscation } });
      this.extraRefs.set(key, ref);
    }
    return ref + 1;
  }
}

/** The code of a state whose fields beyond its text rebuild exactly, else undefined. */
function codeOf(state: ResultState): number | undefined {
  const v = state.versionInfo;
  if (typeof v !== "object" || v === null || !inOrder(state, RESULT_KEYS) || !inOrder(v, VERSION_KEYS)) return undefined;
  if (!("versionInfo" in state && "status" in state && VERSION_KEYS.every((key) => key in v))) return undefined;
  const status = STATUS_CODE.get(state.status);
  const version = v.itemVersion;
  if (status === undefined || !Number.isInteger(version) || version < 0 || version > 0xffffffff || msOf(v.changeDate) === undefined)
    return undefined;
  if ("progress" in state && typeof state.progress !== "number") return undefined;
  if ("count" in state && typeof state.count !== "number") return undefined;
  return (
    status | ("progress" in state ? HAS_PROGRESS : 0) | ("count" in state ? HAS_COUNT : 0) | ("breakdowns" in state ? HAS_BREAKDOWNS : 0)
  );
}
