import type { Clock, Timer } from "../ports/clock.ts";
import { sleepOn } from "./systemClock.ts";

interface Scheduled {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
}

/** Lets every promise chain that a timer started run to its next wait. */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * Virtual time: timers fire in (time, creation) order when the simulation advances the clock,
 * never by themselves. Same schedule, same order: the basis of replay from a seed.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly queue: Scheduled[] = [];
  private readonly byId = new Map<number, Scheduled>();

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const s: Scheduled = { id: ++this.seq, at: this.current + Math.max(0, ms), seq: this.seq, fn };
    this.insert(s);
    this.byId.set(s.id, s);
    return { id: s.id };
  }

  clearTimeout(timer: Timer): void {
    const s = this.byId.get(timer.id);
    if (!s) return;
    this.byId.delete(timer.id);
    const i = this.queue.indexOf(s);
    if (i >= 0) this.queue.splice(i, 1);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Number of timers waiting. */
  pending(): number {
    return this.queue.length;
  }

  /** Time of the next timer, if any. */
  nextAt(): number | undefined {
    return this.queue[0]?.at;
  }

  /** Fire every timer due up to now + ms, in order, letting the work each one starts settle. */
  async advance(ms: number): Promise<void> {
    await this.runUntil(this.current + ms);
  }

  async runUntil(target: number): Promise<void> {
    await settle();
    for (;;) {
      const next = this.queue[0];
      if (!next || next.at > target) break;
      this.queue.shift();
      this.byId.delete(next.id);
      this.current = next.at;
      next.fn();
      await settle();
    }
    this.current = Math.max(this.current, target);
  }

  /** Run until done() holds or no timer is left or the limit passes; answers whether done() held. */
  async runWhile(notDone: () => boolean, limitMs: number): Promise<boolean> {
    const limit = this.current + limitMs;
    await settle();
    while (notDone()) {
      const next = this.queue[0];
      if (!next || next.at > limit) return !notDone();
      this.queue.shift();
      this.byId.delete(next.id);
      this.current = next.at;
      next.fn();
      await settle();
    }
    return true;
  }

  private insert(s: Scheduled): void {
    // Binary search keeps the queue ordered by (at, seq).
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.queue[mid] as Scheduled;
      if (m.at < s.at || (m.at === s.at && m.seq < s.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, s);
  }
}
