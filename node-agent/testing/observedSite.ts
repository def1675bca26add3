import type { ResultState } from "../../shared/protocol/items.ts";
import type { ResultStatus } from "../../shared/protocol/status.ts";
import type { CountedResult, NodeObserver } from "../observer.ts";

/** Everything node agents tell their observer, by result id, for a test to hold what it sees against. */
export class ObservedSite implements NodeObserver {
  /** What each incarnation counted, in the order they took the result on. */
  readonly counted = new Map<string, CountedResult[]>();
  /** The newest status the broker confirmed. */
  readonly lastSent = new Map<string, ResultStatus>();

  readonly onCounted = (counted: CountedResult): void => {
    this.counted.set(counted.resultId, [...(this.counted.get(counted.resultId) ?? []), counted]);
  };

  readonly onSent = (result: ResultState): void => {
    this.lastSent.set(result.id, result.status);
  };

  /** What the newest incarnation counted for a result. */
  truth(resultId: string): CountedResult | undefined {
    return this.counted.get(resultId)?.at(-1);
  }
}
