import type { ItemKind } from "../../shared/apply/precedence.ts";
import type {
  Applied,
  ConflictRecord,
  FeedPage,
  Proposal,
  Store,
  StoreCounts,
  StoredSnapshot,
  StoredState,
} from "../../shared/ports/store.ts";
import type { VirtualClock } from "../../shared/time/virtualClock.ts";

/**
 * The one order in which a simulation's store operations run, whichever hub replica's store calls
 * them: one at a time, in the order they were called, each holding virtual time until it ends.
 * And the wake-ups of every replica's feed, which any replica's write sends, as the database's
 * notifications would.
 */
export class StoreTurns {
  /** The operation called last: the next one starts when it has ended. */
  private last: Promise<unknown> = Promise.resolve();
  private readonly watchers = new Set<() => void>();

  constructor(private readonly clock: VirtualClock) {}

  /** Runs an operation after every one called before it, with virtual time held from now until it ends. */
  inTurn<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.last.then(operation);
    this.last = run.catch(() => undefined);
    return this.clock.hold(run);
  }

  watch(listener: () => void): () => void {
    const wake = () => listener();
    this.watchers.add(wake);
    return () => this.watchers.delete(wake);
  }

  wake(): void {
    for (const wake of this.watchers) wake();
  }
}

/**
 * A store engine that does I/O (PGlite, PostgreSQL) as a simulation on a virtual clock needs it:
 * every operation holds virtual time until it ends, as the memory store's take none, and they run
 * one at a time in the order they were called (StoreTurns), across every replica's store over the
 * one database. Two ingest lanes hand their bursts over at the same instant; whatever each
 * statement's real duration, the first handed over commits first, and its outcomes are answered
 * before the next burst starts.
 */
export class VirtualTimeStore implements Store {
  constructor(
    private readonly inner: Store,
    private readonly turns: StoreTurns,
  ) {}

  open(): Promise<void> {
    return this.turns.inTurn(() => this.inner.open());
  }

  ready(): Promise<boolean> {
    return this.turns.inTurn(() => this.inner.ready());
  }

  apply(proposals: readonly Proposal[]): Promise<Applied[]> {
    return this.turns.inTurn(async () => {
      const applied = await this.inner.apply(proposals);
      if (applied.some((a) => a.stored)) this.turns.wake();
      return applied;
    });
  }

  states(kind: ItemKind, id: string): Promise<StoredState[]> {
    return this.turns.inTurn(() => this.inner.states(kind, id));
  }

  history(queryId: string): Promise<{ states: StoredState[]; conflicts: ConflictRecord[] }> {
    return this.turns.inTurn(() => this.inner.history(queryId));
  }

  /** Read whole in one turn: a simulation's store is small, and no burst may commit halfway through a replay. */
  async *replay(): AsyncIterable<StoredState> {
    yield* await this.turns.inTurn(async () => {
      const states: StoredState[] = [];
      for await (const s of this.inner.replay()) states.push(s);
      return states;
    });
  }

  readAfter(position: number, limit: number): Promise<FeedPage> {
    return this.turns.inTurn(() => this.inner.readAfter(position, limit));
  }

  /**
   * Woken by the replicas' writes, in turn, rather than by the engine's notifications, which come
   * at real instants.
   */
  watch(listener: () => void): () => void {
    return this.turns.watch(listener);
  }

  saveSnapshot(snapshot: StoredSnapshot): Promise<void> {
    return this.turns.inTurn(() => this.inner.saveSnapshot(snapshot));
  }

  latestSnapshot(): Promise<StoredSnapshot | undefined> {
    return this.turns.inTurn(() => this.inner.latestSnapshot());
  }

  counts(): Promise<StoreCounts> {
    return this.turns.inTurn(() => this.inner.counts());
  }

  close(): Promise<void> {
    return this.turns.inTurn(() => this.inner.close());
  }
}
