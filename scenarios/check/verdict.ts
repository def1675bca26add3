import type { InvariantName } from "./invariants.ts";

/** What a verdict judges: an invariant, or "exercises" for a rule the scenario declares that did not fire. */
export type CheckName = InvariantName | "exercises";

/** One way the run broke an invariant, small enough to read and act on. */
export interface Violation {
  invariant: CheckName;
  /** The item it is about: a result id, a query id or a messageId. */
  item: string;
  message: string;
  /** Milliseconds into the run, where known: the earliest violation is the counterexample. */
  at?: number;
  /** The number of the hub's decision it is about, where it is about one: the reports draw it highlighted. */
  decision?: number;
}

export interface Verdict {
  ok: boolean;
  checked: InvariantName[];
  /** Violations per invariant, each list in the order found. */
  violations: Violation[];
  /** The smallest counterexample: the earliest violation of the first invariant broken. */
  counterexample: Violation | undefined;
}
