/** One event as every client receives it: its id and its Server-Sent Events frame, encoded once. */
export interface FeedEvent {
  /** The store position of the state it shows, in decimal: the same on every replica over one store. */
  readonly id: string;
  readonly position: number;
  readonly type: string;
  readonly frame: string;
  /** The query the event is about, for a stream of one query's events. */
  readonly queryId: string | undefined;
}

/** What a client that resumes from an event id receives first. */
export type Backlog = { kind: "events"; events: FeedEvent[]; after: number } | { kind: "reset"; reason: string };

export interface EventLogOptions {
  /** Events kept for clients that resume; one further behind is told to refetch. */
  capacity: number;
  /** The store position the log starts at: what came at or before it is not in the log. 0 by default. */
  from?: number;
}

/** The frame that tells a client the events after its id are gone: it reads again, and follows on from `id`. */
export function resetFrame(id: string, reason: string): string {
  return `id: ${id}\nevent: reset\ndata: ${JSON.stringify({ reason })}\n\n`;
}

/** An event id: a store position, as decimal digits. */
const EVENT_ID = /^\d{1,15}$/;

/**
 * An event whose frame is encoded on first read: with no one streaming, as in a simulation or an
 * ingest burst nobody watches, a change costs no encoding at all.
 */
class LoggedEvent implements FeedEvent {
  private encoded: string | undefined;
  readonly id: string;

  constructor(
    readonly position: number,
    readonly type: string,
    private render: (() => unknown) | undefined,
    readonly queryId: string | undefined,
  ) {
    this.id = String(position);
  }

  get frame(): string {
    if (this.encoded === undefined) {
      this.encoded = `id: ${this.id}\nevent: ${this.type}\ndata: ${JSON.stringify(this.render?.())}\n\n`;
      this.render = undefined;
    }
    return this.encoded;
  }
}

/**
 * The view's changes in store order, each under the position of the state it shows, in a bounded
 * ring, for clients that stream them and resume after a disconnect, from this replica or another.
 * Appending never waits for a reader: readers are called synchronously and must not block (they
 * buffer, or drop themselves).
 */
export class EventLog {
  private readonly ring: FeedEvent[] = [];
  /** Where the oldest event is in the ring, once it is full. */
  private head = 0;
  /** Everything at or before this position that was ever in the log has been dropped from the ring. */
  private dropped: number;
  /** The position the store feed has read through: the log holds every change up to it. */
  private through: number;
  private readonly readers = new Set<(event: FeedEvent) => void>();

  constructor(private readonly options: EventLogOptions) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) throw new RangeError("event log capacity must be a positive integer");
    this.dropped = options.from ?? 0;
    this.through = this.dropped;
  }

  /** The id a stream opened now starts after: the position the log has every change up to. */
  lastId(): string {
    return String(this.through);
  }

  /** The position the log has every change up to. */
  position(): number {
    return this.through;
  }

  /** Appends the change a state at `position` made; `render` gives its data, called when a reader first needs the frame. */
  append(position: number, type: string, render: () => unknown, queryId?: string): FeedEvent {
    if (!Number.isSafeInteger(position) || position <= this.through) {
      throw new RangeError(`event at position ${position} is not after ${this.through}: events are appended in store order`);
    }
    const event = new LoggedEvent(position, type, render, queryId);
    if (this.ring.length < this.options.capacity) this.ring.push(event);
    else {
      this.dropped = (this.ring[this.head] as FeedEvent).position;
      this.ring[this.head] = event;
      this.head = (this.head + 1) % this.options.capacity;
    }
    this.through = position;
    for (const read of this.readers) read(event);
    return event;
  }

  /** The feed has read through `position`, whether or not anything there changed the view. */
  advance(position: number): void {
    if (position > this.through) this.through = position;
  }

  subscribe(reader: (event: FeedEvent) => void): () => void {
    this.readers.add(reader);
    return () => this.readers.delete(reader);
  }

  readerCount(): number {
    return this.readers.size;
  }

  /** The events in the ring, oldest first. */
  private inOrder(): FeedEvent[] {
    return [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }

  /**
   * Every event after `lastEventId`, or a reset when the ring no longer holds them all or the id
   * is not a position. An id ahead of this replica (a client coming from one further along) has
   * nothing to catch up on here: it is answered with no events, and follows on from there.
   */
  since(lastEventId: string): Backlog {
    const id = lastEventId.trim();
    if (!EVENT_ID.test(id)) return { kind: "reset", reason: "unreadable event id: an event id is a store position" };
    const after = Number(id);
    if (after < this.dropped) return { kind: "reset", reason: "too far behind: events were dropped from the ring" };
    return { kind: "events", events: this.inOrder().filter((e) => e.position > after), after };
  }
}
