import { z } from "zod";
import { BREAKDOWN_KINDS, type BreakdownKind, cellsOf } from "./breakdowns.ts";
import { NODE_ID_PATTERN, resultId } from "./ids.ts";
import type { Message } from "./messages.ts";
import { ResultStatus } from "./status.ts";
import { PROTOCOL_VERSION } from "./versionInfo.ts";

/**
 * A hand-written check of the messages the hub takes most (result-update, node-heartbeat), in
 * front of zod: it accepts only what the zod schemas accept, and builds the very object zod would
 * (same keys, in the schemas' order). Whatever it does not accept outright (an unknown key, a
 * value out of range, a run-query) goes to zod, so every refusal keeps zod's wording.
 * quickCheck.test.ts holds the two to that on hostile input.
 */

// The schemas' own patterns, so that the two agree by construction.
const UUID = z.regexes.uuid();
const DATETIME = z.regexes.datetime({});
const STATUSES = new Set<string>(ResultStatus.options);

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every own key of `o` is one of `known`. */
function keysWithin(o: Json, known: ReadonlySet<string>): boolean {
  for (const k in o) if (!known.has(k)) return false;
  return true;
}

const isUuid = (v: unknown): v is string => typeof v === "string" && UUID.test(v);
const isDatetime = (v: unknown): v is string => typeof v === "string" && DATETIME.test(v);
const isNodeId = (v: unknown): v is string => typeof v === "string" && NODE_ID_PATTERN.test(v);
const isIntIn = (v: unknown, min: number, max: number): v is number =>
  Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
const isPatientCount = (v: unknown): v is number => isIntIn(v, -1, 1_000_000_000);

const VERSION_KEYS = new Set(["protocolVersion", "itemVersion", "createDate", "changeDate"]);
function versionInfo(v: unknown) {
  if (!isObject(v) || !keysWithin(v, VERSION_KEYS)) return undefined;
  const { protocolVersion, itemVersion, createDate, changeDate } = v;
  if (protocolVersion !== PROTOCOL_VERSION || !isIntIn(itemVersion, 1, Number.MAX_SAFE_INTEGER)) return undefined;
  if (!isDatetime(createDate) || !isDatetime(changeDate)) return undefined;
  return { protocolVersion, itemVersion, createDate, changeDate };
}

const OBFUSCATION_KEYS = new Set(["binSize", "stdDev", "noiseClamp", "lowLimit"]);
function obfuscation(v: unknown) {
  if (!isObject(v) || !keysWithin(v, OBFUSCATION_KEYS)) return undefined;
  const { binSize, stdDev, noiseClamp, lowLimit } = v;
  if (!isIntIn(binSize, 1, 1000) || !isIntIn(noiseClamp, 0, 1000) || !isIntIn(lowLimit, 0, 1000)) return undefined;
  if (typeof stdDev !== "number" || !Number.isFinite(stdDev) || stdDev < 0 || stdDev > 1000) return undefined;
  return { binSize, stdDev, noiseClamp, lowLimit };
}

const CELLS = Object.fromEntries(BREAKDOWN_KINDS.map((k) => [k, cellsOf(k) as readonly string[]])) as Record<
  BreakdownKind,
  readonly string[]
>;
const CELL_KEYS = Object.fromEntries(BREAKDOWN_KINDS.map((k) => [k, new Set<string>(cellsOf(k))])) as unknown as Record<
  BreakdownKind,
  ReadonlySet<string>
>;
const BREAKDOWN_KEYS = new Set<string>(BREAKDOWN_KINDS);

function breakdowns(v: unknown) {
  if (!isObject(v) || !keysWithin(v, BREAKDOWN_KEYS)) return undefined;
  const out: Json = {};
  for (const kind of BREAKDOWN_KINDS) {
    const cells = v[kind];
    if (cells === undefined) continue;
    if (!isObject(cells) || !keysWithin(cells, CELL_KEYS[kind])) return undefined;
    const copy: Json = {};
    for (const cell of CELLS[kind]) {
      const n = cells[cell];
      if (!isPatientCount(n)) return undefined;
      copy[cell] = n;
    }
    out[kind] = copy;
  }
  return out;
}

const RESULT_KEYS = new Set([
  "id",
  "queryId",
  "nodeId",
  "versionInfo",
  "status",
  "progress",
  "count",
  "statusMessage",
  "obfuscation",
  "breakdowns",
]);

function resultState(v: unknown) {
  if (!isObject(v) || !keysWithin(v, RESULT_KEYS)) return undefined;
  const { id, queryId, nodeId, status, progress, count, statusMessage } = v;
  if (!isUuid(queryId) || !isNodeId(nodeId) || typeof id !== "string" || id.length > 200 || id !== resultId(queryId, nodeId))
    return undefined;
  if (typeof status !== "string" || !STATUSES.has(status)) return undefined;
  const version = versionInfo(v.versionInfo);
  if (!version) return undefined;
  const completed = status === "completed";
  const out: Json = { id, queryId, nodeId, versionInfo: version, status };
  if (progress !== undefined) {
    if (typeof progress !== "number" || !(progress >= 0 && progress <= 1)) return undefined;
    out.progress = progress;
  }
  if (count !== undefined) {
    if (!completed || !isPatientCount(count)) return undefined;
    out.count = count;
  } else if (completed) return undefined;
  if (statusMessage !== undefined) {
    if (typeof statusMessage !== "string" || statusMessage.length > 2000 || statusMessage.includes("\u0000")) return undefined;
    out.statusMessage = statusMessage;
  }
  if (v.obfuscation !== undefined) {
    const o = obfuscation(v.obfuscation);
    if (!o) return undefined;
    out.obfuscation = o;
  }
  if (v.breakdowns !== undefined) {
    const b = completed ? breakdowns(v.breakdowns) : undefined;
    if (!b) return undefined;
    out.breakdowns = b;
  }
  return out;
}

const UPDATE_KEYS = new Set(["type", "messageId", "sentAt", "nodeId", "result"]);
const HEARTBEAT_KEYS = new Set(["type", "messageId", "sentAt", "nodeId", "activeQueries"]);

/** The message zod would make of `raw`, when the quick check can tell it is valid; otherwise undefined. */
export function quickMessage(raw: Json): Message | undefined {
  const { type, messageId, sentAt, nodeId } = raw;
  if (!isUuid(messageId) || !isDatetime(sentAt) || !isNodeId(nodeId)) return undefined;
  if (type === "result-update") {
    if (!keysWithin(raw, UPDATE_KEYS)) return undefined;
    const result = resultState(raw.result);
    return result && ({ type, messageId, sentAt, nodeId, result } as Message);
  }
  if (type === "node-heartbeat") {
    if (!keysWithin(raw, HEARTBEAT_KEYS) || !isIntIn(raw.activeQueries, 0, 1_000_000)) return undefined;
    return { type, messageId, sentAt, nodeId, activeQueries: raw.activeQueries } as Message;
  }
  return undefined;
}
