import type { z } from "zod";
import type { ItemKind, ItemState } from "../../shared/apply/precedence.ts";
import type { Logger } from "../../shared/log.ts";
import type { Clock, Timer } from "../../shared/ports/clock.ts";
import type { Store, StoredState } from "../../shared/ports/store.ts";
import type { QueryState, ResultState } from "../../shared/protocol/items.ts";
import type * as Bodies from "../http/responses.ts";
import { restoreSnapshot, saveSnapshot } from "../view/snapshot.ts";
import { type StatusView, nodeRow } from "../view/statusView.ts";
import { EventLog } from "./eventLog.ts";

/** A query moved: its header as GET /api/queries/<id> shows it, without the rows. */
export type QueryEventData = z.infer<typeof Bodies.QueryEventData>;
/** A site's result moved: its row as GET /api/queries/<id> shows it. */
export type ResultEventData = z.infer<typeof Bodies.ResultEventData>;

/** States and conflict records per read of the feed. */
const PAGE = 2000;
/** How often the feed reads on with no wake-up: what a lost notification costs at most. */
export const FEED_POLL_MS = 1000;
/** Store positions between two view snapshots. */
export const SNAPSHOT_EVERY = 50_000;

export interface ViewFeedOptions {
  store: Store;
  view: StatusView;
  events: EventLog;
  clock: Clock;
  log: Logger;
  /** Reads on this often even when no wake-up came; 0 never does (a store whose wake-ups are never lost). */
  pollMs?: number;
  pageSize?: number;
  /** Store positions the feed reads on past the last snapshot before the next is due; SNAPSHOT_EVERY by default. */
  snapshotEvery?: number;
}

/**
 * Feeds the view from the store: every state any hub stores, in store order, read after the last
 * position seen, woken by the store and read on every `pollMs` in case a wake-up was lost. The view
 * takes a state only when it outranks what it shows, so this hub's own writes, which the Recorder
 * hands the view as soon as they are durable, and the feed may reach it in any order.
 *
 * The event log is written here only, in store order: a change goes out under the position of the
 * state it shows when the feed reaches that position, whichever path moved the view first. So an
 * event id means the same on every replica, each event shows the state that was current at its
 * position, and a client that has every event up to the feed's position has what the view shows.
 * A state the view had passed when the feed reached it (this hub stored a newer one first) is not
 * sent: until the newer one's event, a client may hold an item older than the store held at an
 * event id it has.
 */
export class ViewFeed {
  private reading: Promise<void> | undefined;
  private again = false;
  private timer: Timer | undefined;
  private unwatch: (() => void) | undefined;
  private stopped = false;
  /** The position of the newest snapshot this feed knows of: the one it started from, or wrote. */
  private snapshotAt: number;
  private snapshotting = false;

  constructor(private readonly options: ViewFeedOptions) {
    this.snapshotAt = options.events.position();
  }

  /** The position the view has every stored state up to. */
  position(): number {
    return this.options.events.position();
  }

  /** Reads until nothing follows; a call while a read runs makes it read once more and waits for that. */
  catchUp(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    const run = async () => {
      try {
        do {
          this.again = false;
          await this.readOn();
        } while (this.again);
      } finally {
        this.reading = undefined;
      }
    };
    this.reading = run();
    return this.reading;
  }

  /** Follows the store from now on: on every wake-up, and every `pollMs`. */
  start(): void {
    this.unwatch = this.options.store.watch(() => void this.follow());
    this.poll();
  }

  stop(): void {
    this.stopped = true;
    this.unwatch?.();
    if (this.timer) this.options.clock.clearTimeout(this.timer);
  }

  /**
   * Writes a snapshot of the view as of the feed's position when the feed has read `snapshotEvery`
   * positions past the last one; answers whether it wrote. The view may hold this hub's own writes
   * from past that position too: they are stored states, and taking them again from the tail
   * changes nothing, so starting from the snapshot still ends where a full replay does.
   */
  async snapshotIfDue(): Promise<boolean> {
    const { store, view, snapshotEvery = SNAPSHOT_EVERY } = this.options;
    const position = this.position();
    if (this.snapshotting || position - this.snapshotAt < snapshotEvery) return false;
    this.snapshotting = true;
    try {
      await saveSnapshot(store, view, position);
      this.snapshotAt = position;
      return true;
    } finally {
      this.snapshotting = false;
    }
  }

  private async follow(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.catchUp();
    } catch (err) {
      this.options.log.warn({ err: String(err) }, "store feed: read failed; reading again on the next wake-up or poll");
    }
  }

  private poll(): void {
    const { pollMs = FEED_POLL_MS, clock } = this.options;
    if (pollMs <= 0 || this.stopped) return;
    this.timer = clock.setTimeout(() => {
      void this.follow().then(() => this.poll());
    }, pollMs);
  }

  private async readOn(): Promise<void> {
    const { store, events, pageSize = PAGE } = this.options;
    for (;;) {
      const page = await store.readAfter(events.position(), pageSize);
      for (const s of page.states) this.take(s);
      events.advance(page.through);
      if (page.states.length + page.conflicts.length < pageSize) return;
    }
  }

  private take(s: StoredState): void {
    const { view, events } = this.options;
    const changed = view.take(s.kind, s.state, Date.parse(s.storedAt));
    // Shown already: this hub's own write, taken when it was stored, goes out now, in store order.
    if (changed || view.shows(s.kind, s.state)) appendChange(events, s.seq, s.kind, s.state);
  }
}

/**
 * A view of the store as a replica starts with one: from the newest snapshot, then every state
 * stored after it. Answers the feed that keeps it up (not yet following: call start()), and how
 * far the snapshot went.
 */
export async function openView(options: Omit<ViewFeedOptions, "view" | "events"> & { capacity?: number }): Promise<{
  view: StatusView;
  events: EventLog;
  feed: ViewFeed;
  snapshotPosition: number;
}> {
  const { view, position } = await restoreSnapshot(options.store, options.log);
  const events = new EventLog({ capacity: options.capacity ?? 10_000, from: position });
  const feed = new ViewFeed({ ...options, view, events });
  await feed.catchUp();
  return { view, events, feed, snapshotPosition: position };
}

/**
 * One event per change, under the position of the state it shows. An event costs one row, never
 * a whole query, so a large query stays cheap; the states are immutable, so the row can be
 * rendered when a client first reads the event.
 */
function appendChange(events: EventLog, position: number, kind: ItemKind, state: ItemState): void {
  if (kind === "query") {
    const q = state as QueryState;
    events.append(
      position,
      "query",
      (): QueryEventData => ({
        queryId: q.id,
        status: q.status ?? "created",
        researcherId: q.researcherId,
        definition: q.definition,
        submittedAt: q.submittedAt,
        itemVersion: q.versionInfo.itemVersion,
      }),
      q.id,
    );
  } else {
    const r = state as ResultState;
    events.append(position, "result", (): ResultEventData => ({ queryId: r.queryId, row: nodeRow(r) }), r.queryId);
  }
}
