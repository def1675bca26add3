import type { ResultState } from "../shared/protocol/items.ts";

/**
 * How a node prints the instants of its states: to the millisecond, as JavaScript does; to the
 * microsecond, as a JVM's Instant or PostgreSQL does; or as Java's Instant prints an instant of
 * whole milliseconds ("instant"): the fraction left out when it is zero, in the createDate it was
 * sent too, because such a node reads its dates into instants and prints them again. Each is an
 * ISO-8601 UTC timestamp of the same instant (docs/protocol.md section 1), so a hub must keep and
 * show the text as the node sent it, even where a state's createDate reads otherwise than the
 * hub's own states of the result.
 */
export const DATE_PRINTS = ["millis", "micros", "instant"] as const;
export type DatePrint = (typeof DATE_PRINTS)[number];

/** An instant printed by Java's Instant: no fraction when it has none. */
const asInstant = (iso: string) => iso.replace(/\.000Z$/, "Z");

/** The state with its dates printed as the node prints instants: the same instants in other characters. */
export function printDates(result: ResultState, print: DatePrint): ResultState {
  if (print === "millis") return result;
  const v = result.versionInfo;
  const versionInfo =
    print === "micros"
      ? { ...v, changeDate: v.changeDate.replace(/Z$/, "000Z") }
      : { ...v, createDate: asInstant(v.createDate), changeDate: asInstant(v.changeDate) };
  return { ...result, versionInfo };
}
