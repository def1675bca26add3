/** One event as every client receives it: its id and its Server-Sent Events frame, encoded once. */
export interface FeedEvent {
  /** "<epoch>-<seq>": seq increases by one per event; the epoch tells one hub run from another. */
  readonly id: string;
  readonly seq: number;
  readonly type: string;
  readonly frame: string;
}

/** What a client that resumes from an event id receives first. */
export type Backlog = { kind: "events"; events: FeedEvent[] } | { kind: "reset"; reason: string };

export interface EventLogOptions {
  /** Events kept for clients that resume; one further behind is told to refetch. */
  capacity: number;
  /** Names this run of the hub, so an id from an earlier run is never mistaken for one of this run. */
  epoch: string;
}

/**
 * An event whose frame is encoded on first read: with no one streaming, as in a simulation or an
 * ingest burst nobody watches, a change costs no encoding at all.
 */
class LoggedEvent implements FeedEvent {
  private encoded: string | undefined;

  constructor(
    readonly id: string,
    readonly seq: number,
    readonly type: string,
    private render: (() => unknown) | undefined,
  ) {}

  get frame(): string {
    if (this.encoded === undefined) {
      this.encoded = `id: ${this.id}\nevent: ${this.type}\ndata: ${JSON.stringify(this.render?.())}\n\n`;
      this.render = undefined;
    }
    return this.encoded;
  }
}

/**
 * The view's changes in order, in a bounded ring, for clients that stream them and resume after
 * a disconnect. Appending never waits for a reader: readers are called synchronously and must
 * not block (they buffer, or drop themselves).
 */
export class EventLog {
  private readonly ring: (FeedEvent | undefined)[];
  private seq = 0;
  private readonly readers = new Set<(event: FeedEvent) => void>();

  constructor(private readonly options: EventLogOptions) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) throw new RangeError("event log capacity must be a positive integer");
    if (!/^[A-Za-z0-9]+$/.test(options.epoch)) throw new RangeError("event log epoch must be alphanumeric");
    this.ring = new Array(options.capacity);
  }

  /** The id of the newest event, or of the start of this run when there is none yet. */
  lastId(): string {
    return `${this.options.epoch}-${this.seq}`;
  }

  /** Appends an event whose data `render` gives, called once, when a reader first needs the frame. */
  append(type: string, render: () => unknown): FeedEvent {
    const seq = ++this.seq;
    const event = new LoggedEvent(`${this.options.epoch}-${seq}`, seq, type, render);
    this.ring[seq % this.options.capacity] = event;
    for (const read of this.readers) read(event);
    return event;
  }

  subscribe(reader: (event: FeedEvent) => void): () => void {
    this.readers.add(reader);
    return () => this.readers.delete(reader);
  }

  readerCount(): number {
    return this.readers.size;
  }

  /** Every event after `lastEventId`, or a reset when the ring no longer holds them all or the id is not of this run. */
  since(lastEventId: string): Backlog {
    const match = /^([A-Za-z0-9]+)-(\d{1,15})$/.exec(lastEventId.trim());
    if (!match) return { kind: "reset", reason: "unreadable event id" };
    if (match[1] !== this.options.epoch) return { kind: "reset", reason: "event id of another hub run" };
    const after = Number(match[2]);
    if (after > this.seq) return { kind: "reset", reason: "event id ahead of this hub" };
    const oldest = Math.max(1, this.seq - this.options.capacity + 1);
    if (after + 1 < oldest) return { kind: "reset", reason: "too far behind: events were dropped from the ring" };
    const events: FeedEvent[] = [];
    for (let s = after + 1; s <= this.seq; s++) events.push(this.ring[s % this.options.capacity] as FeedEvent);
    return { kind: "events", events };
  }
}
