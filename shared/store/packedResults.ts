import type { ResultState } from "../protocol/items.ts";
import { RESULT_STATUSES, type ResultStatus } from "../protocol/status.ts";
import { Column } from "./column.ts";

const RESULT_KEYS = new Set(["id", "queryId", "nodeId", "versionInfo", "status", "progress", "count"]);
const VERSION_KEYS = new Set(["protocolVersion", "itemVersion", "createDate", "changeDate"]);
const STATUS_CODE = new Map(RESULT_STATUSES.map((s, i) => [s, i]));

/** A changeDate as clock ms when its ISO text is exactly what that instant prints as. */
function msOf(iso: string): number | undefined {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && new Date(ms).toISOString() === iso ? ms : undefined;
}

/**
 * Result states as columns of numbers beside the item's first state, which holds the text they
 * share (id, query, node, creation date). A node's state then costs a few array slots instead of
 * two objects and a date string. Only states that rebuild exactly are packed: the usual fields,
 * no message or obfuscation, a changeDate in canonical ISO form; any other state stays an object.
 */
export class PackedResults {
  private readonly bases: ResultState[] = [];
  private readonly statuses = new Column((n) => new Uint8Array(n));
  private readonly versions = new Column((n) => new Float64Array(n));
  /** changeDate as clock ms. */
  private readonly changes = new Column((n) => new Float64Array(n));
  /** NaN where the state has none. */
  private readonly progresses = new Column((n) => new Float64Array(n));
  private readonly counts = new Column((n) => new Float64Array(n));

  /** The slot the state is packed at, or undefined when it does not pack against this base. */
  pack(state: ResultState, base: ResultState): number | undefined {
    const v = state.versionInfo;
    const b = base.versionInfo;
    if (state.id !== base.id || state.queryId !== base.queryId || state.nodeId !== base.nodeId) return undefined;
    if (v.protocolVersion !== b.protocolVersion || v.createDate !== b.createDate) return undefined;
    for (const key in state) if (!RESULT_KEYS.has(key)) return undefined;
    for (const key in v) if (!VERSION_KEYS.has(key)) return undefined;
    const change = msOf(v.changeDate);
    const status = STATUS_CODE.get(state.status);
    if (change === undefined || status === undefined) return undefined;
    const slot = this.bases.length;
    this.bases.push(base);
    this.statuses.push(status);
    this.versions.push(v.itemVersion);
    this.changes.push(change);
    this.progresses.push(state.progress ?? Number.NaN);
    this.counts.push(state.count ?? Number.NaN);
    return slot;
  }

  /** A fresh object equal to the state packed at the slot. */
  unpack(slot: number): ResultState {
    const base = this.bases[slot] as ResultState;
    const progress = this.progresses.at(slot);
    const count = this.counts.at(slot);
    const state: ResultState = {
      id: base.id,
      queryId: base.queryId,
      nodeId: base.nodeId,
      versionInfo: {
        protocolVersion: base.versionInfo.protocolVersion,
        itemVersion: this.versions.at(slot),
        createDate: base.versionInfo.createDate,
        changeDate: new Date(this.changes.at(slot)).toISOString(),
      },
      status: RESULT_STATUSES[this.statuses.at(slot)] as ResultStatus,
    };
    if (!Number.isNaN(progress)) state.progress = progress;
    if (!Number.isNaN(count)) state.count = count;
    return state;
  }
}
