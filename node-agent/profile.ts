import type { NodeProfileName } from "../shared/config.ts";
import type { Random } from "../shared/ports/random.ts";

/** A delay in milliseconds, as a distribution to draw from. */
export type Distribution =
  | { kind: "constant"; ms: number }
  | { kind: "uniform"; min: number; max: number }
  /** Right-skewed like real service times: mostly near the median, now and then far above it. */
  | { kind: "logNormal"; median: number; sigma: number; max: number };

/** How a site behaves, as data: every delay and every chance a simulated hospital draws from. */
export interface LatencyProfile {
  name: string;
  /** From the run-query's arrival to receivedByNode. */
  receive: Distribution;
  /** From receivedByNode to running when the query is not queued. */
  pickup: Distribution;
  /** How often the site queues a query (queuedAtNode) and how long it then waits before running. */
  queue: { chance: number; wait: Distribution };
  /** The whole running time, spread over the progress updates. */
  run: Distribution;
  /** Progress updates sent while running, the first at progress 0. */
  progressUpdates: { min: number; max: number };
  /** How often the site's database fails the query, and what it says. */
  failure: { chance: number; messages: readonly string[] };
}

const SITE_ERRORS = [
  "CRC database connection lost",
  "i2b2 query timed out at the site",
  "adapter ran out of memory while counting",
  "ontology lookup failed: concept service unavailable",
  "site database is in maintenance mode",
] as const;

export const PROFILES: Readonly<Record<NodeProfileName, LatencyProfile>> = {
  /** Answers in a second or two: the first counts a researcher sees. */
  fast: {
    name: "fast",
    receive: { kind: "uniform", min: 20, max: 120 },
    pickup: { kind: "uniform", min: 10, max: 80 },
    queue: { chance: 0, wait: { kind: "constant", ms: 0 } },
    run: { kind: "logNormal", median: 900, sigma: 0.3, max: 1_800 },
    progressUpdates: { min: 2, max: 3 },
    failure: { chance: 0, messages: SITE_ERRORS },
  },
  steady: {
    name: "steady",
    receive: { kind: "uniform", min: 50, max: 400 },
    pickup: { kind: "uniform", min: 50, max: 300 },
    queue: { chance: 0.05, wait: { kind: "uniform", min: 1_000, max: 5_000 } },
    run: { kind: "logNormal", median: 5_000, sigma: 0.4, max: 20_000 },
    progressUpdates: { min: 3, max: 5 },
    failure: { chance: 0.01, messages: SITE_ERRORS },
  },
  /** Tens of seconds, always by way of its queue. */
  slow: {
    name: "slow",
    receive: { kind: "uniform", min: 200, max: 1_500 },
    pickup: { kind: "uniform", min: 200, max: 1_000 },
    queue: { chance: 1, wait: { kind: "uniform", min: 10_000, max: 30_000 } },
    run: { kind: "uniform", min: 15_000, max: 45_000 },
    progressUpdates: { min: 4, max: 8 },
    failure: { chance: 0.02, messages: SITE_ERRORS },
  },
  /** Fails now and then, and is sometimes very slow. */
  flaky: {
    name: "flaky",
    receive: { kind: "logNormal", median: 200, sigma: 1, max: 5_000 },
    pickup: { kind: "uniform", min: 50, max: 500 },
    queue: { chance: 0.2, wait: { kind: "logNormal", median: 4_000, sigma: 1, max: 60_000 } },
    run: { kind: "logNormal", median: 3_000, sigma: 1.3, max: 120_000 },
    progressUpdates: { min: 1, max: 6 },
    failure: { chance: 0.3, messages: SITE_ERRORS },
  },
  /** Shared with other work: most queries wait in its queue first. */
  busy: {
    name: "busy",
    receive: { kind: "uniform", min: 100, max: 800 },
    pickup: { kind: "uniform", min: 100, max: 500 },
    queue: { chance: 0.85, wait: { kind: "uniform", min: 5_000, max: 45_000 } },
    run: { kind: "logNormal", median: 4_000, sigma: 0.5, max: 20_000 },
    progressUpdates: { min: 2, max: 4 },
    failure: { chance: 0.02, messages: SITE_ERRORS },
  },
};

/**
 * A draw from a distribution, in milliseconds, times the time scale: 0.01 runs a profile a
 * hundred times faster, for scenarios and tests; 1 is the profile as written.
 */
export function drawMs(distribution: Distribution, random: Random, timeScale = 1): number {
  return Math.max(0, Math.round(drawUnscaled(distribution, random) * timeScale));
}

function drawUnscaled(d: Distribution, random: Random): number {
  switch (d.kind) {
    case "constant":
      return d.ms;
    case "uniform":
      return d.min + random.next() * (d.max - d.min);
    case "logNormal":
      return Math.min(d.max, d.median * Math.exp(d.sigma * random.gaussian()));
  }
}
