import { describeState } from "../describe.ts";
import type { StoredRecord, ViewChangeSeen } from "../evidence.ts";
import { canonical } from "../model/canonical.ts";
import { type ItemKind, stageOf } from "../model/ladder.ts";
import type { Violation } from "../verdict.ts";
import { type Check, sinceStart } from "./check.ts";
import { shown } from "./view.ts";

const readerOf = (replica: number | undefined) => (replica === undefined ? "the reader" : `the reader of replica ${replica}`);
const listenerOf = (replica: number | undefined) =>
  replica === undefined ? "the view's listener" : `the listener of replica ${replica}'s view`;

/** An event a reader read, of a query or of a row. */
interface Streamed {
  at: number;
  replica?: number;
  position?: number;
  kind: ItemKind;
  id: string;
  status: string;
  itemVersion: number;
}

/** The item a change names, as `<kind> <id>`, when its kind, query and site are its state's; else undefined. */
function itemOf(c: ViewChangeSeen): string | undefined {
  const s = c.state;
  if (s === undefined) return undefined;
  if (c.kind === "query" && c.queryId === s.id && c.nodeId === undefined) return `query ${s.id}`;
  if (c.kind === "result" && c.queryId === s.queryId && c.nodeId === s.nodeId) return `result ${s.id}`;
  return undefined;
}

/** Whether a state of an item outranks another: higher stage, then higher itemVersion. */
function outranks(kind: ItemKind, a: NonNullable<ViewChangeSeen["state"]>, b: NonNullable<ViewChangeSeen["state"]>): boolean {
  const stage = stageOf(kind, a.status) - stageOf(kind, b.status);
  return stage > 0 || (stage === 0 && a.versionInfo.itemVersion > b.versionInfo.itemVersion);
}

/** Invariants over the feeds a reader follows: the event stream, and the view's own listeners. */
export const FEED_CHECKS = {
  /**
   * Each event of the stream shows the state the store holds at the position its id names, the
   * item's current state there (it outranks every state of the item stored before it), each
   * position once, in store order, along a reader's stream, across the hub's restarts (the reader
   * resumes from the last id it read, as a client does); and once the view has read the store to
   * its end, the last event of every query and row shows the state the view shows.
   */
  "events-complete"(evidence) {
    const out: Violation[] = [];
    const violation = (item: string, message: string, at?: number) =>
      out.push({ invariant: "events-complete", item, message, ...(at !== undefined && { at }) });
    const stored = new Map<number, StoredRecord>();
    // The positions whose state was then the current one of its item: it outranks every state stored before it.
    const current = new Set<number>();
    for (const h of evidence.stored) {
      const best = new Map<string, StoredRecord>();
      for (const s of [...h.states].sort((a, b) => a.seq - b.seq)) {
        stored.set(s.seq, s);
        const before = best.get(s.id);
        if (before && !outranks(s.kind, s.state, before.state)) continue;
        best.set(s.id, s);
        current.add(s.seq);
      }
    }
    const last = new Map<string, Streamed>();
    const streams: Streamed[][] = [
      evidence.observations.flatMap((o) =>
        o.source === "event" ? [{ ...o, kind: "result" as const, id: `${o.queryId}:${o.nodeId}` }] : [],
      ),
      evidence.queryEvents.map((q) => ({ ...q, kind: "query" as const, id: q.queryId })),
    ];
    for (const stream of streams) {
      const position = new Map<number, number>();
      for (const e of stream) {
        const item = `${e.kind} ${e.id}`;
        last.set(`${e.replica ?? 0} ${item}`, e);
        if (e.position === undefined) continue;
        const t = sinceStart(evidence, e.at);
        const before = position.get(e.replica ?? 0);
        position.set(e.replica ?? 0, e.position);
        if (before !== undefined && e.position <= before)
          violation(
            e.id,
            `${item}: ${readerOf(e.replica)} read an event at position ${e.position} after one at ${before} (t=${t} ms): a stream carries each position once, in store order`,
            t,
          );
        const s = stored.get(e.position);
        if (s?.kind === e.kind && s.id === e.id && s.itemVersion === e.itemVersion && (s.state.status ?? "created") === e.status) {
          if (!current.has(e.position))
            violation(
              e.id,
              `${item}: ${readerOf(e.replica)} read ${e.status} v${e.itemVersion} under event id ${e.position} (t=${t} ms), which a state stored before it outranks`,
              t,
            );
          continue;
        }
        violation(
          e.id,
          `${item}: ${readerOf(e.replica)} read ${e.status} v${e.itemVersion} under event id ${e.position} (t=${t} ms), where the store holds ${s ? `${s.kind} ${s.id} ${describeState(s.state)}` : "nothing"}`,
          t,
        );
      }
    }
    for (const { replica, pictures } of evidence.replicas) {
      const reader = readerOf(evidence.replicas.length > 1 ? replica : undefined);
      for (const [kind, state] of pictures.flatMap((q) => [["query", q.query] as const, ...q.results.map((r) => ["result", r] as const)])) {
        const e = last.get(`${replica} ${kind} ${state.id}`);
        if (e?.itemVersion === state.versionInfo.itemVersion && e.status === (state.status ?? "created")) continue;
        violation(
          state.id,
          `${kind} ${state.id}: the last event ${reader} read of it shows ${e ? `${e.status} v${e.itemVersion}` : "nothing"}, the view shows ${describeState(state)}`,
        );
      }
    }
    return out;
  },

  /**
   * Each change the view announces to its listeners (StatusView.onChange, which the embedded
   * cluster's terminal follows) names the item it moved: its kind, query and site are its state's.
   * A listener gets each item's changes once, in precedence order, each above what the view showed
   * when it began listening; and what it read then, with every change since, is at the end what
   * the view shows, item by item. One listener per run of a hub: a restarted hub is listened to
   * afresh.
   */
  "changes-complete"(evidence) {
    const out: Violation[] = [];
    const violation = (item: string, message: string, at?: number) =>
      out.push({ invariant: "changes-complete", item, message, ...(at !== undefined && { at }) });
    const last = new Map<string, ViewChangeSeen>();
    const newest = new Map<number, number>();
    for (const c of evidence.changes) {
      const replica = c.replica ?? 0;
      newest.set(replica, Math.max(newest.get(replica) ?? 0, c.listener));
      const t = sinceStart(evidence, c.at);
      const item = itemOf(c);
      if (item === undefined) {
        const named = `${c.kind || "(no kind)"} of query ${c.queryId}${c.nodeId === undefined ? "" : ` and site ${c.nodeId}`}`;
        violation(
          c.queryId ?? "?",
          `${listenerOf(c.replica)} got a change named ${named}, of the state ${describeState(c.state)} (t=${t} ms)`,
          t,
        );
        continue;
      }
      const key = `${replica} ${c.listener} ${item}`;
      const before = last.get(key);
      last.set(key, c);
      if (before?.state && c.state && !outranks(c.kind as ItemKind, c.state, before.state))
        violation(
          item,
          `${item}: ${listenerOf(c.replica)} got ${describeState(c.state)} after ${describeState(before.state)} (t=${t} ms): each change once, in precedence order`,
          t,
        );
    }
    for (const { replica, pictures } of evidence.replicas) {
      const listener = newest.get(replica);
      if (listener === undefined) continue;
      for (const [item, state] of shown(pictures)) {
        const c = last.get(`${replica} ${listener} ${item}`);
        if (c && canonical(c.state) === state) continue;
        violation(
          item,
          `${item}: ${listenerOf(evidence.replicas.length > 1 ? replica : undefined)} was last told ${describeState(c?.state)}, the view shows ${describeState(JSON.parse(state))}`,
        );
      }
    }
    return out;
  },
} satisfies Record<"events-complete" | "changes-complete", Check>;
