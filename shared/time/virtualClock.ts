import type { Clock, Timer } from "../ports/clock.ts";
import { sleepOn } from "./systemClock.ts";

interface Scheduled {
  id: number;
  at: number;
  fn: () => void;
  /** Cleared: left in the heap and skipped when it reaches the top. */
  cancelled: boolean;
}

/** Whether a fires before b: earlier time, then earlier creation (the id grows with each timer). */
const before = (a: Scheduled, b: Scheduled) => a.at < b.at || (a.at === b.at && a.id < b.id);

/** Two macrotask turns: the promise jobs the fired timers started run to their next wait. */
async function turns(): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
  await new Promise<void>((r) => setImmediate(r));
}

/**
 * Virtual time: timers fire in (time, creation) order when the simulation advances the clock,
 * never by themselves. Same schedule, same order: the basis of replay from a seed. The timers
 * wait in a binary heap; a cleared timer stays in it, marked, until it would fire.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly heap: Scheduled[] = [];
  private readonly byId = new Map<number, Scheduled>();
  /** Work held (see hold), and who waits for it all to end. */
  private held = 0;
  private readonly whenIdle: (() => void)[] = [];

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const s: Scheduled = { id: ++this.seq, at: this.current + Math.max(0, ms), fn, cancelled: false };
    this.push(s);
    this.byId.set(s.id, s);
    return { id: s.id };
  }

  clearTimeout(timer: Timer): void {
    const s = this.byId.get(timer.id);
    if (!s) return;
    this.byId.delete(timer.id);
    s.cancelled = true;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /**
   * Work that runs outside this clock's timers, a store's I/O above all: until it ends, time does
   * not move, as if it took none. A PGlite or PostgreSQL statement takes real milliseconds and
   * several event-loop turns; without this the next timers would fire while a burst commits.
   */
  hold<T>(work: Promise<T>): Promise<T> {
    this.held++;
    return work.finally(() => {
      if (--this.held > 0) return;
      for (const wake of this.whenIdle.splice(0)) wake();
    });
  }

  /** Number of timers waiting. */
  pending(): number {
    return this.byId.size;
  }

  /** Time of the next timer, if any. */
  nextAt(): number | undefined {
    return this.top()?.at;
  }

  /** Fire every timer due up to now + ms, in order, letting the work each one starts settle. */
  async advance(ms: number): Promise<void> {
    await this.runUntil(this.current + ms);
  }

  async runUntil(target: number): Promise<void> {
    await this.settle();
    for (;;) {
      const next = this.top();
      if (!next || next.at > target) break;
      this.fireInstant(next.at);
      await this.settle();
    }
    this.current = Math.max(this.current, target);
  }

  /** Run until done() holds or no timer is left or the limit passes; answers whether done() held. */
  async runWhile(notDone: () => boolean, limitMs: number): Promise<boolean> {
    const limit = this.current + limitMs;
    await this.settle();
    while (notDone()) {
      const next = this.top();
      if (!next || next.at > limit) return !notDone();
      this.fireInstant(next.at);
      await this.settle();
    }
    return true;
  }

  /**
   * Lets every promise chain that the fired timers started run to its next wait. Work on a virtual
   * clock moves only through this clock's timers and promise jobs, and a macrotask turn drains every
   * promise job, so one turn is enough; the second covers work that hops through one setImmediate.
   * Held work is waited for, then what its end started settles in turn.
   */
  private async settle(): Promise<void> {
    await turns();
    while (this.held > 0) {
      await new Promise<void>((wake) => this.whenIdle.push(wake));
      await turns();
    }
  }

  /**
   * Fires every timer due at one instant, in creation order, before anything settles: timers set
   * meanwhile for the same instant are newer, so they wait for the next round, as they would have.
   */
  private fireInstant(at: number): void {
    this.current = at;
    const lastId = this.seq;
    for (;;) {
      const next = this.top();
      if (!next || next.at !== at || next.id > lastId) return;
      this.pop();
      this.byId.delete(next.id);
      next.fn();
    }
  }

  /** The earliest live timer, dropping cleared ones off the top. */
  private top(): Scheduled | undefined {
    while (this.heap.length > 0 && (this.heap[0] as Scheduled).cancelled) this.pop();
    return this.heap[0];
  }

  private push(s: Scheduled): void {
    const h = this.heap;
    let i = h.length;
    h.push(s);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as Scheduled;
      if (!before(s, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = s;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop() as Scheduled;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const child = r < h.length && before(h[r] as Scheduled, h[l] as Scheduled) ? r : l;
      if (!before(h[child] as Scheduled, last)) break;
      h[i] = h[child] as Scheduled;
      i = child;
    }
    h[i] = last;
  }
}
