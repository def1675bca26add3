import type { Clock, Timer } from "../../shared/ports/clock.ts";

/**
 * A site's wall clock set wrong by an offset that may change mid-run. Only what the site reads
 * as "now" moves; its timers still fire after the durations asked, as a skewed clock's would.
 */
export class SkewedClock implements Clock {
  constructor(
    private readonly base: Clock,
    private readonly offsetMs: () => number,
  ) {}

  now(): number {
    return this.base.now() + this.offsetMs();
  }

  setTimeout(fn: () => void, ms: number): Timer {
    return this.base.setTimeout(fn, ms);
  }

  clearTimeout(timer: Timer): void {
    this.base.clearTimeout(timer);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.base.sleep(ms, signal);
  }
}
