import type { ItemKind } from "../apply/precedence.ts";
import type { Applied, ConflictRecord, FeedPage, Proposal, Store, StoreCounts, StoredSnapshot, StoredState } from "../ports/store.ts";

/**
 * A store that hands every operation to another, as it is: the base of a wrapper around the hub's
 * store (the faults a scenario injects there, the record a run keeps), which overrides what it adds to.
 */
export class ForwardingStore implements Store {
  constructor(protected readonly inner: Store) {}

  open(): Promise<void> {
    return this.inner.open();
  }

  ready(): Promise<boolean> {
    return this.inner.ready();
  }

  apply(proposals: readonly Proposal[]): Promise<Applied[]> {
    return this.inner.apply(proposals);
  }

  states(kind: ItemKind, id: string): Promise<StoredState[]> {
    return this.inner.states(kind, id);
  }

  history(queryId: string): Promise<{ states: StoredState[]; conflicts: ConflictRecord[] }> {
    return this.inner.history(queryId);
  }

  replay(): AsyncIterable<StoredState> {
    return this.inner.replay();
  }

  readAfter(position: number, limit: number): Promise<FeedPage> {
    return this.inner.readAfter(position, limit);
  }

  // Stryker disable next-line BlockStatement: a wake-up may be lost (the port says so): a view's feed then reads on at its next poll
  watch(listener: () => void): () => void {
    return this.inner.watch(listener);
  }

  // Stryker disable next-line BlockStatement: a snapshot only shortens a replica's start; with none kept it replays the whole store, to the same view
  saveSnapshot(snapshot: StoredSnapshot): Promise<void> {
    return this.inner.saveSnapshot(snapshot);
  }

  // Stryker disable next-line BlockStatement: a snapshot only shortens a replica's start; with none found it replays the whole store, to the same view
  latestSnapshot(): Promise<StoredSnapshot | undefined> {
    return this.inner.latestSnapshot();
  }

  counts(): Promise<StoreCounts> {
    return this.inner.counts();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
