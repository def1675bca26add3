import type { CountedResult, NodeObserver } from "../../node-agent/observer.ts";

/** What every agent running as a node counted for each result, keyed by result id. */
export type TruthBook = Map<string, CountedResult[]>;

/** Writes into the book what each agent counted, every incarnation and twin of a node alike. */
export function truthObserver(book: TruthBook): NodeObserver {
  return { onCounted: (c) => book.set(c.resultId, [...(book.get(c.resultId) ?? []), c]) };
}
