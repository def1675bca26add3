import type { ResultState } from "../shared/protocol/items.ts";

/**
 * How a node prints the instants of its states: to the millisecond, as JavaScript does, or to the
 * microsecond, as a JVM's Instant or PostgreSQL does. Either is an ISO-8601 UTC timestamp
 * (PROTOCOL.md section 1), so a hub must keep and show the text as the node sent it.
 */
export const DATE_PRINTS = ["millis", "micros"] as const;
export type DatePrint = (typeof DATE_PRINTS)[number];

/** The state with its changeDate printed as the node prints instants: the same instant in other characters. */
export function printDates(result: ResultState, print: DatePrint): ResultState {
  if (print === "millis") return result;
  const { changeDate } = result.versionInfo;
  return { ...result, versionInfo: { ...result.versionInfo, changeDate: changeDate.replace(/Z$/, "000Z") } };
}
