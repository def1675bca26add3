import type { Clock, Timer } from "../shared/ports/clock.ts";

/**
 * The agent's waits on its clock (the pause before a lifecycle step, the backoff before a publish
 * is tried again), abandoned together when it stops: one set rather than an abort listener per
 * wait, which costs more than the wait itself when thousands of results run.
 */
export class Waits {
  private readonly stopping = new AbortController();
  private readonly pending = new Set<{ timer: Timer; abandon: (reason: unknown) => void }>();

  constructor(private readonly clock: Clock) {}

  /** True once the agent stops: an error after that is the stop itself, not a fault. */
  get abandoned(): boolean {
    return this.stopping.signal.aborted;
  }

  /** Sleeps on the clock; rejects with the stop reason when the waits are abandoned first. */
  for(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopping.signal.aborted) return reject(this.stopping.signal.reason);
      const wait = {
        timer: this.clock.setTimeout(() => {
          this.pending.delete(wait);
          resolve();
        }, ms),
        abandon: reject,
      };
      this.pending.add(wait);
    });
  }

  /** Rejects every wait in progress, and every later one, with `reason`. */
  abandonAll(reason: Error): void {
    this.stopping.abort(reason);
    for (const wait of this.pending) {
      this.clock.clearTimeout(wait.timer);
      wait.abandon(this.stopping.signal.reason);
    }
    this.pending.clear();
  }
}
