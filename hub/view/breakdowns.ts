import { BREAKDOWN_KINDS, BREAKDOWNS, type BreakdownCells, type BreakdownKind, cellsOf } from "../../shared/protocol/breakdowns.ts";
import type { ResultState } from "../../shared/protocol/items.ts";
import { CountSum, countWords } from "./display.ts";

/** One cell of a site's breakdown, as a researcher reads it. */
export interface SiteCell {
  cell: string;
  label: string;
  /** The obfuscated count, -1 for "lowLimit patients or fewer". */
  count: number;
  countDisplay: string;
}

/** One breakdown a site reported: every cell of its kind. */
export interface SiteBreakdown {
  kind: BreakdownKind;
  label: string;
  shrineType: string;
  cells: SiteCell[];
}

/** One cell summed over the sites that reported it, as the totals are summed. */
export interface NetworkCell {
  cell: string;
  label: string;
  totalCount: number;
  totalDisplay: string;
}

/** One breakdown summed over the network. */
export interface NetworkBreakdown {
  kind: BreakdownKind;
  label: string;
  shrineType: string;
  /** Completed sites that reported this breakdown. */
  sites: number;
  /** Completed sites that did not (a node that predates breakdowns answers the count alone). */
  missing: number;
  cells: NetworkCell[];
}

const header = (kind: BreakdownKind) => ({ kind, label: BREAKDOWNS[kind].label, shrineType: BREAKDOWNS[kind].shrineType });
const labelOf = (kind: BreakdownKind, cell: string) => (BREAKDOWNS[kind].cells as Readonly<Record<string, string>>)[cell] as string;

/** The kinds a state carries, in their order. */
function kindsOf(result: ResultState): BreakdownKind[] {
  const b = result.breakdowns;
  // Stryker disable next-line ArrayDeclaration: a state without breakdowns reaches here only from networkBreakdowns, which asks only whether a kind of BREAKDOWN_KINDS is among them
  return b ? BREAKDOWN_KINDS.filter((kind) => b[kind] !== undefined) : [];
}

/** A site's breakdowns as tables of words and numbers; null when its state carries none. */
export function siteBreakdowns(result: ResultState): SiteBreakdown[] | null {
  if (result.breakdowns === undefined) return null;
  const lowLimit = result.obfuscation?.lowLimit;
  return kindsOf(result).map((kind) => {
    const cells = result.breakdowns?.[kind] as BreakdownCells;
    return {
      ...header(kind),
      cells: cellsOf(kind).map((cell) => {
        const count = cells[cell] as number;
        return { cell, label: labelOf(kind, cell), count, countDisplay: countWords(count, lowLimit) };
      }),
    };
  });
}

/**
 * The network's sums of each breakdown the query asked for (and any a site reported beside them),
 * cell by cell over the completed sites. As with the total, a -1 cell adds nothing and makes the
 * sum read "at least"; so does a completed site that reported no such breakdown.
 */
export function networkBreakdowns(requested: readonly BreakdownKind[], results: readonly ResultState[]): NetworkBreakdown[] {
  const completed = results.filter((r) => r.status === "completed");
  const reported = new Set(completed.flatMap(kindsOf));
  return BREAKDOWN_KINDS.filter((kind) => requested.includes(kind) || reported.has(kind)).map((kind) => {
    const cells = cellsOf(kind);
    const sums = cells.map(() => new CountSum());
    let sites = 0;
    for (const r of completed) {
      const given = r.breakdowns?.[kind] as BreakdownCells | undefined;
      if (given) sites++;
      cells.forEach((cell, i) => {
        const sum = sums[i] as CountSum;
        if (given) sum.add(given[cell] as number);
        else sum.missing();
      });
    }
    return {
      ...header(kind),
      sites,
      missing: completed.length - sites,
      cells: cells.map((cell, i) => {
        const sum = sums[i] as CountSum;
        return { cell, label: labelOf(kind, cell), totalCount: sum.total, totalDisplay: sum.display() };
      }),
    };
  });
}
