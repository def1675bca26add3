import { CELLS, KINDS, SHRINE_TYPES } from "../breakdowns.ts";
import { countDisplayOf, countWordsOf, rowFieldsOf, statusTextOf, type Worded } from "../display.ts";
import type { BreakdownCells, QueryPicture, RowRead } from "../evidence.ts";
import type { Violation } from "../verdict.ts";
import { type Check, sinceStart } from "./check.ts";

type State = Worded & { breakdowns?: BreakdownCells; versionInfo: { itemVersion: number; changeDate?: string } };

const quoted = (text: string | null | undefined) => (typeof text === "string" ? `"${text}"` : String(text));

/** Where a row's words differ from the words the protocol gives its state. */
function wordFindings(shown: { statusText?: string; countDisplay?: string | null }, state: State, lowLimit: number): string[] {
  const out: string[] = [];
  const fields = shown as Record<string, unknown>;
  for (const [field, value] of Object.entries(rowFieldsOf(state)))
    if (field in fields && fields[field] !== value) out.push(`${field} ${JSON.stringify(fields[field])}, not ${JSON.stringify(value)}`);
  const text = statusTextOf(state);
  if ("statusText" in shown && shown.statusText !== text) out.push(`statusText ${quoted(shown.statusText)}, not ${quoted(text)}`);
  const count = countDisplayOf(state, lowLimit);
  if ("countDisplay" in shown && shown.countDisplay !== count) out.push(`countDisplay ${quoted(shown.countDisplay)}, not ${quoted(count)}`);
  return out;
}

/** Where a row's breakdowns differ from its state's: none shown as null, else each kind it carries, in the table's order, every cell with its number and words. */
function breakdownFindings(row: RowRead, state: State, lowLimit: number): string[] {
  if (!("breakdowns" in row)) return [];
  const given = state.breakdowns;
  if (given === undefined)
    return row.breakdowns === null ? [] : [`breakdowns ${JSON.stringify(row.breakdowns)}, its state carries none (null)`];
  const kinds = KINDS.filter((k) => given[k] !== undefined);
  const shown = row.breakdowns ?? [];
  if (shown.map((b) => b.kind).join() !== kinds.join())
    return [`breakdowns [${shown.map((b) => b.kind).join(", ")}], its state carries [${kinds.join(", ")}]`];
  const out: string[] = [];
  for (const b of shown) {
    if (b.shrineType !== SHRINE_TYPES[b.kind] || !b.label) out.push(`${b.kind} breakdown headed ${quoted(b.label)} (${b.shrineType})`);
    const cells = CELLS[b.kind] as readonly string[];
    if (b.cells.map((c) => c.cell).join() !== cells.join()) {
      out.push(`${b.kind} cells [${b.cells.map((c) => c.cell).join(", ")}], not [${cells.join(", ")}]`);
      continue;
    }
    for (const c of b.cells) {
      const count = given[b.kind]?.[c.cell] as number;
      const words = countWordsOf(count, lowLimit);
      if (c.count !== count || c.countDisplay !== words || !c.label)
        out.push(
          `${b.kind} cell ${c.cell} shows ${c.count} ${quoted(c.countDisplay)} labelled ${quoted(c.label)}, its state ${count} "${words}"`,
        );
    }
  }
  return out;
}

/** The summary's tallies of the rows (failed counts timedOut too), and the total as words: "at least N" when a completed count is -1. */
function totalFinding(q: QueryPicture): string[] {
  const out: string[] = [];
  const summary = q.read.summary as typeof q.read.summary & Record<string, unknown>;
  const completed = q.read.nodes.filter((n) => n.status === "completed").length;
  const failed = q.read.nodes.filter((n) => n.status === "failed" || n.status === "timedOut").length;
  const tallies = { completed, failed, pending: q.read.nodes.length - completed - failed };
  for (const [field, value] of Object.entries(tallies))
    if (field in summary && summary[field] !== value) out.push(`summary.${field} ${String(summary[field])}, not ${value}`);
  const { totalDisplay, totalCount } = q.read.summary;
  if (totalDisplay === undefined) return out;
  const lower = q.read.nodes.some((n) => n.status === "completed" && n.count === -1);
  const words = lower ? `at least ${totalCount}` : String(totalCount);
  return totalDisplay === words ? out : [...out, `totalDisplay ${quoted(totalDisplay)}, not "${words}"`];
}

/** Every row of a picture against the state behind it, and the total's words. */
function pictureFindings(q: QueryPicture, where: string, lowLimit: number): Violation[] {
  const out: Violation[] = totalFinding(q).map((m) => ({ invariant: "display-text", item: q.id, message: `query ${q.id} ${where}: ${m}` }));
  for (const row of q.read.nodes) {
    const id = `${q.id}:${row.nodeId}`;
    const state = q.results.find((r) => r.id === id);
    if (!state) continue;
    const lim = state.obfuscation?.lowLimit ?? lowLimit;
    for (const m of [...wordFindings(row, state, lowLimit), ...breakdownFindings(row, state, lim)])
      out.push({
        invariant: "display-text",
        item: id,
        message: `result ${id} ${where}: the row of ${state.status} v${state.versionInfo.itemVersion} shows ${m}`,
      });
  }
  return out;
}

/** Invariants over the words a reader is shown. */
export const DISPLAY_CHECKS = {
  /**
   * Every row a reader sees, in the event stream, in polls and in every view at the end, words its
   * state as the protocol does: the status text of its rung (running with its progress, failed with
   * its message), the count as words on a completed state only, and the breakdowns its state
   * carries with every cell's number and words; the total reads "at least" when a count is -1.
   */
  "display-text"(evidence) {
    const lowLimit = evidence.defaultObfuscation.lowLimit;
    const stored = new Map<string, State>();
    for (const h of evidence.stored)
      for (const s of h.states) if (s.kind === "result") stored.set(`${s.id}@${s.itemVersion}`, s.state as State);
    const out: Violation[] = [];
    for (const o of evidence.observations) {
      const id = `${o.queryId}:${o.nodeId}`;
      // A row shows a stored state; which one it should show is for the other invariants to judge.
      const state = stored.get(`${id}@${o.itemVersion}`);
      if (!state) continue;
      const t = sinceStart(evidence, o.at);
      for (const m of wordFindings(o, state, lowLimit))
        out.push({
          invariant: "display-text",
          item: id,
          at: t,
          message: `result ${id}: at t=${t} ms ${o.source === "event" ? "an event" : "a poll"} of ${state.status} v${o.itemVersion} shows ${m}`,
        });
    }
    const views = [
      { where: "in the live view", pictures: evidence.live },
      { where: "in the rebuilt view", pictures: evidence.rebuilt },
      ...evidence.replicas.map((r) => ({ where: `on replica ${r.replica}`, pictures: r.pictures })),
    ];
    for (const v of views) for (const q of v.pictures) out.push(...pictureFindings(q, v.where, lowLimit));
    return out;
  },
} satisfies Record<"display-text", Check>;
