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
  // Stryker disable next-line LogicalOperator: a result state carries a count exactly when it is completed (ResultState refuses any other, and the hub's timedOut has none), so either test alone decides
  if (result.status !== "completed" || result.count === undefined) return null;
  return countWords(result.count, result.obfuscation?.lowLimit);
}

/** A reported number of patients as words: the number, or "N patients or fewer" for -1, N the site's low limit. */
export function countWords(count: number, lowLimit = DEFAULT_LOW_LIMIT): string {
  return count === -1 ? `${lowLimit} patients or fewer` : String(count);
}

/** Reported counts summed: a -1 adds nothing and makes the sum a lower bound, as does a count that is missing. */
export class CountSum {
  total = 0;
  private lowerBound = false;

  add(count: number): void {
    if (count === -1) this.lowerBound = true;
    else this.total += count;
  }

  missing(): void {
    this.lowerBound = true;
  }

  display(): string {
    return this.lowerBound ? `at least ${this.total}` : String(this.total);
  }
}

/** The network total: completed counts summed; a "-1" site adds nothing and makes it a lower bound. */
export function totalOf(results: Iterable<ResultState>): { totalCount: number; totalDisplay: string } {
  const sum = new CountSum();
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a result state carries a count exactly when it is completed (ResultState refuses any other), so either test alone decides
  for (const r of results) if (r.status === "completed" && r.count !== undefined) sum.add(r.count);
  return { totalCount: sum.total, totalDisplay: sum.display() };
}
