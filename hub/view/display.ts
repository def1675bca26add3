import type { ResultState } from "../../shared/protocol/items.ts";
import { RESULT_LADDER } from "../../shared/protocol/status.ts";

const DEFAULT_LOW_LIMIT = 10;

/** What a researcher reads for one site, as SHRINE shows it. */
export function statusText(result: ResultState): string {
  switch (result.status) {
    case "running":
      return result.progress === undefined ? "Processing at site" : `Processing at site (${Math.round(result.progress * 100)}%)`;
    case "failed":
      return result.statusMessage ? `Site error (${result.statusMessage})` : "Site error";
    default:
      return RESULT_LADDER[result.status].label;
  }
}

/** The count as words: the number, or "N patients or fewer" for -1. */
export function countDisplay(result: ResultState): string | null {
  if (result.status !== "completed" || result.count === undefined) return null;
  if (result.count === -1) return `${result.obfuscation?.lowLimit ?? DEFAULT_LOW_LIMIT} patients or fewer`;
  return String(result.count);
}

/** The network total: completed counts summed; a "-1" site adds nothing and makes it a lower bound. */
export function totalOf(results: Iterable<ResultState>): { totalCount: number; totalDisplay: string } {
  let total = 0;
  let lowerBound = false;
  for (const r of results) {
    if (r.status !== "completed" || r.count === undefined) continue;
    if (r.count === -1) lowerBound = true;
    else total += r.count;
  }
  return { totalCount: total, totalDisplay: lowerBound ? `at least ${total}` : String(total) };
}
