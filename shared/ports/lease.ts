/**
 * A lease on the hub's singleton duties among the replicas sharing one store: at most one holder
 * at a time, and a holder that dies lets go by itself (its connection, or its process, is gone).
 * The duties it guards only write proposals, so two holders at once, for the moment one takes
 * over from another that has not yet noticed its loss, stay harmless.
 */
export interface Lease {
  /**
   * Takes the lease when it is free, or checks that this holder still has it; answers whether it
   * holds it now. Never throws: a failure to ask is an answer of false.
   */
  acquire(): Promise<boolean>;
  /** What the last acquire answered. */
  held(): boolean;
  /** Lets go of the lease, for a clean stop; the next acquire may take it again. */
  release(): Promise<void>;
}
