import { z } from "zod";
import type { Clock, Timer } from "../../ports/clock.ts";
import { nodeId, window } from "../fields.ts";
import { defineFault } from "../kind.ts";

const describeOffset = (offsetMs: number) => `clock ${offsetMs > 0 ? "+" : ""}${offsetMs} ms`;

export const CLOCK_SET_OFF = "clock set off";

/** The node's wall clock is set off by `offsetMs` for the window. */
export const clockSkew = defineFault({
  schema: z.strictObject({
    kind: z.literal("clockSkew"),
    ...window,
    nodeId,
    offsetMs: z.number().int().min(-3600_000).max(3600_000),
  }),
  counts: [CLOCK_SET_OFF],
  describe: (f) => ({ label: describeOffset(f.offsetMs), nodeId: f.nodeId }),
  install: (f, network) => {
    network.board.setSkew(f.nodeId, f.offsetMs);
    network.faulted(f.nodeId, CLOCK_SET_OFF);
  },
  remove: (f, network) => network.board.setSkew(f.nodeId, 0),
});

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
