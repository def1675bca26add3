import type { Clock, Timer } from "../ports/clock.ts";

interface SystemTimer extends Timer {
  handle: NodeJS.Timeout;
}

let nextId = 1;

/** Wall-clock time: the adapter to Node's own timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return { id: nextId++, handle } as SystemTimer;
  },
  clearTimeout(timer) {
    clearTimeout((timer as SystemTimer).handle);
  },
  sleep: (ms, signal) => sleepOn(systemClock, ms, signal),
};

/** Sleep on any clock, abortable. */
export function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
