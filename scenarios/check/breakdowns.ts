import type { BreakdownCells, Counted, Obfuscation, QueryPicture, RowRead } from "./evidence.ts";
import { obfuscationBreach, sumBound } from "./obfuscation.ts";

/**
 * The checker's rules for breakdowns, stated again from PROTOCOL.md section 4 over what a reader
 * of the API sees, the states behind it and what the sites counted: every cell obfuscated like
 * the count within its bound of the true cell; each row the breakdowns the query asked for, with
 * the very cells its site reported; each network sum the sum of the cells shown, "at least"
 * exactly when a cell is -1 or a completed site gave no such breakdown, and within the sites' bound
 * of the sum of their true cells.
 */

/** Each breakdown's cells, in order, as the protocol's table has them. */
export const CELLS: Readonly<Record<string, readonly string[]>> = {
  sex: ["female", "male"],
  age: ["0-9", "10-17", "18-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+"],
  race: ["americanIndian", "asian", "black", "pacificIslander", "white", "multiple", "other", "unknown"],
  vitalStatus: ["living", "deceased", "notRecorded"],
};
/** SHRINE's result type of each breakdown, as the protocol's table names it. */
export const SHRINE_TYPES: Readonly<Record<string, string>> = {
  sex: "PATIENT_GENDER_COUNT_XML",
  age: "PATIENT_AGE_COUNT_XML",
  race: "PATIENT_RACE_COUNT_XML",
  vitalStatus: "PATIENT_VITALSTATUS_COUNT_XML",
};
export const KINDS = Object.keys(CELLS);

/** One way a query's breakdowns break a rule: the item it is about and what is wrong. */
export interface Finding {
  item: string;
  message: string;
}

type Cells = Readonly<Record<string, number>>;
type Truths = ReadonlyMap<string, readonly Counted[]>;

function rowCells(row: RowRead, kind: string): Cells | undefined {
  const b = row.breakdowns?.find((x) => x.kind === kind);
  return b && Object.fromEntries(b.cells.map((c) => [c.cell, c.count]));
}

/** The true cells of the agent of a row's site that reported the cells the row shows (two agents of one site count apart). */
function reporterTruth(q: QueryPicture, row: RowRead, kind: string, truths: Truths): Cells | undefined {
  const shown = rowCells(row, kind);
  const reporter = (truths.get(`${q.id}:${row.nodeId}`) ?? []).find((c) =>
    CELLS[kind]?.every((cell) => c.reportedBreakdowns?.[kind]?.[cell] === shown?.[cell]),
  );
  return reporter?.trueBreakdowns?.[kind];
}

const rowKinds = (row: RowRead) => KINDS.filter((kind) => row.breakdowns?.some((b) => b.kind === kind));
const asked = (q: QueryPicture) => KINDS.filter((kind) => q.query.definition?.breakdowns?.includes(kind));
const completedRows = (q: QueryPicture) => q.read.nodes.filter((r) => r.status === "completed");

/**
 * Every cell of a completed state is obfuscated as its count is, within the bound of the true cell
 * of an agent of its site that reported those cells (two agents of one site count apart).
 */
export function cellBoundFindings(q: QueryPicture, truths: Truths, defaults: Obfuscation): Finding[] {
  const out: Finding[] = [];
  for (const r of q.results) {
    if (r.status !== "completed" || r.breakdowns === undefined) continue;
    const counted = (truths.get(r.id) ?? []).filter((c) => c.trueBreakdowns !== undefined);
    const params = r.obfuscation ?? defaults;
    for (const kind of KINDS.filter((k) => r.breakdowns?.[k] !== undefined)) {
      const shown = r.breakdowns[kind] as Cells;
      const reporters = counted.filter((c) => CELLS[kind]?.every((cell) => c.reportedBreakdowns?.[kind]?.[cell] === shown[cell]));
      const candidates = (reporters.length > 0 ? reporters : counted).map((c) => c.trueBreakdowns?.[kind]).filter((t) => t !== undefined);
      if (candidates.length === 0) {
        out.push({ item: r.id, message: `result ${r.id}: shows a ${kind} breakdown no agent of the site counted` });
        continue;
      }
      for (const cell of CELLS[kind] as readonly string[]) {
        const breaches = candidates.map((t) =>
          shown[cell] === undefined ? "missing" : obfuscationBreach(shown[cell] as number, t[cell] as number, params),
        );
        if (breaches.every((b) => b !== undefined))
          out.push({ item: r.id, message: `result ${r.id}: ${kind} cell ${cell}: ${breaches[0]}` });
      }
    }
  }
  return out;
}

/** Each completed row shows the breakdowns the query asked for, with the very cells an agent of the site reported. */
export function cellConvergenceFindings(q: QueryPicture, truths: Truths): Finding[] {
  const out: Finding[] = [];
  const wanted = asked(q);
  for (const row of completedRows(q)) {
    const id = `${q.id}:${row.nodeId}`;
    const told = (truths.get(id) ?? []).map((t) => t.reportedBreakdowns);
    if (told.length === 0) continue;
    const shown = rowKinds(row);
    // A site that leaves breakdowns out (a node of the original contract) reports none, asked or not.
    const expected = told.some((t) => t !== undefined) ? wanted : [];
    if (expected.join() !== shown.join())
      out.push({
        item: id,
        message: `result ${id}: shows breakdowns [${shown.join(", ")}], the query asked for [${wanted.join(", ")}]${expected.length === wanted.length ? "" : " and the site reports none"}`,
      });
    const same = (reported: BreakdownCells | null | undefined) =>
      expected.every((kind) =>
        (CELLS[kind] as readonly string[]).every((cell) => rowCells(row, kind)?.[cell] === reported?.[kind]?.[cell]),
      );
    if (expected.length > 0 && !told.some(same))
      out.push({ item: id, message: `result ${id}: the cells shown are not the cells the site reported` });
  }
  return out;
}

/** Each network sum is the sum of the cells the rows show, worded "at least" exactly when something is missing, and near the true sum. */
export function sumFindings(q: QueryPicture, truths: Truths, defaults: Obfuscation): Finding[] {
  const out: Finding[] = [];
  const completed = completedRows(q);
  const sums = q.read.summary.breakdowns ?? [];
  // Each kind asked for or shown by a completed row, and no other, in the table's order.
  const due = KINDS.filter((kind) => asked(q).includes(kind) || completed.some((row) => rowKinds(row).includes(kind)));
  if (sums.map((s) => s.kind).join() !== due.join())
    out.push({
      item: q.id,
      message: `query ${q.id}: the summary sums [${sums.map((s) => s.kind).join(", ")}], the query asked for and its completed sites show [${due.join(", ")}]`,
    });
  for (const sum of sums) {
    const giving = completed.filter((row) => rowCells(row, sum.kind) !== undefined);
    const missing = completed.length - giving.length;
    if (sum.sites !== giving.length || sum.missing !== missing)
      out.push({
        item: q.id,
        message: `query ${q.id}: ${sum.kind} summed over ${sum.sites} sites (${sum.missing} without), but ${giving.length} completed sites show it (${missing} without)`,
      });
    for (const cell of CELLS[sum.kind] ?? []) {
      const where = `query ${q.id}: ${sum.kind} cell ${cell}`;
      const shown = sum.cells.find((c) => c.cell === cell);
      const values = giving.map((row) => (rowCells(row, sum.kind) as Cells)[cell] as number);
      const total = values.reduce((s, v) => s + Math.max(v, 0), 0);
      const words = missing > 0 || values.includes(-1) ? `at least ${total}` : String(total);
      if (!shown || shown.totalCount !== total || shown.totalDisplay !== words) {
        const was = shown ? `${shown.totalCount} ("${shown.totalDisplay}")` : "nothing";
        out.push({ item: q.id, message: `${where} sums to ${was}, the sites' cells to ${total} ("${words}")` });
        continue;
      }
      // The sites that reported a number are off their true sum by at most their bounds together.
      const counted = giving.filter((row) => ((rowCells(row, sum.kind) as Cells)[cell] as number) >= 0);
      const trueCells = counted.map((row) => reporterTruth(q, row, sum.kind, truths)?.[cell]);
      if (trueCells.some((t) => t === undefined)) continue;
      const trueTotal = trueCells.reduce((s: number, t) => s + (t as number), 0);
      const bound = sumBound(counted.length, defaults);
      if (Math.abs(total - trueTotal) > bound)
        out.push({
          item: q.id,
          message: `${where} sums to ${total}, more than ${bound} from the true ${trueTotal} of its ${counted.length} sites`,
        });
    }
  }
  return out;
}
