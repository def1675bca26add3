/** An opaque handle of a scheduled callback. */
export interface Timer {
  readonly id: number;
}

/**
 * Time, injected. Outside the adapters nothing calls Date.now() or setTimeout: a scenario
 * runs on a virtual clock, a day of network in a second, and replays bit-for-bit.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(timer: Timer): void;
  /** Resolves after ms; rejects with the signal's reason if aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
