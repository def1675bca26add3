/**
 * The acknowledgements of one channel, sent as few frames: an ack with `multiple` settles every
 * delivery still outstanding up to its tag, so a run of deliveries acked within one event-loop
 * turn costs one frame and one socket write instead of one each. A tag is covered only once every
 * earlier delivery is settled; acks stuck behind a slow delivery go out one by one once more than
 * `maxHeld` wait, so a stuck delivery never holds the prefetch window shut.
 */
export class AckRun {
  /** Delivery tags in delivery order, from `head` on; those settled meanwhile are in `settled`. */
  private readonly tags: number[] = [];
  private head = 0;
  /** Settled tags not yet passed by the walk: true when an ack is owed, false when nothing is. */
  private readonly settled = new Map<number, boolean>();
  private held = 0;
  private scheduled = false;

  constructor(
    private readonly send: (tag: number, multiple: boolean) => void,
    private readonly maxHeld: number,
    private readonly schedule: (flush: () => void) => void = (flush) => setImmediate(flush),
  ) {}

  delivered(tag: number): void {
    this.tags.push(tag);
  }

  /** Owes an ack for the tag, sent at the latest on the next turn. */
  ack(tag: number): void {
    this.settled.set(tag, true);
    this.held++;
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.flush());
    }
  }

  /** The tag was settled by a frame of its own (nack, reject): no ack is owed for it. */
  settledAlone(tag: number): void {
    this.settled.set(tag, false);
  }

  /** Sends what is owed now. */
  flush(): void {
    this.scheduled = false;
    let upTo: number | undefined;
    while (this.head < this.tags.length) {
      const tag = this.tags[this.head] as number;
      const owed = this.settled.get(tag);
      if (owed === undefined) break;
      this.settled.delete(tag);
      this.head++;
      if (owed) {
        upTo = tag;
        this.held--;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.tags.length) {
      this.tags.splice(0, this.head);
      this.head = 0;
    }
    if (upTo !== undefined) this.send(upTo, true);
    if (this.held > this.maxHeld) this.sendHeldAlone();
  }

  private sendHeldAlone(): void {
    for (const [tag, owed] of this.settled) {
      if (!owed) continue;
      this.send(tag, false);
      this.settled.set(tag, false);
    }
    this.held = 0;
  }
}
