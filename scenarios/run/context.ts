import type { Config } from "../../shared/config.ts";
import { FaultBoard } from "../../shared/faults/mod.ts";
import { type Logger, silentLogger } from "../../shared/log.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Random } from "../../shared/ports/random.ts";
import { SeededRandom } from "../../shared/time/seededRandom.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import type { Scenario } from "../schema.ts";
import { History } from "./history.ts";
import type { ApplyPolicy } from "./policy.ts";
import type { StoreEngine } from "./store.ts";
import type { TruthBook } from "./truths.ts";

/** The broker a run on the memory transport is simulated on, in virtual time; on any other a run is in real time. */
export const SIMULATED = "memory";

/** The clock a run on the transport runs on: virtual on the memory broker, the wall clock on a real one. */
export function runClock(transport: string): Clock {
  return transport === SIMULATED ? new VirtualClock() : systemClock;
}

export interface RunOptions {
  seed?: number;
  transport?: string;
  policy?: ApplyPolicy;
  /** The hub's store engine: memory by default. */
  store?: StoreEngine;
  /** Multiplies every time of the scenario: below 1 shortens a real-time run on a real broker. */
  shorten?: number;
  /** Broker name prefix for a real broker; unique per run by default. Its topology is deleted after the run. */
  prefix?: string;
  /** PostgreSQL schema for a run on the postgres store; unique per run by default. It is dropped after the run. */
  schema?: string;
  /** A real broker's variables, and DATABASE_URL for the postgres store. */
  config?: Config;
  /**
   * How often every hub replica's view reads the store on with no wake-up; the hub's own default
   * when absent. 0 never does: each view then moves only by its own writes and the store's
   * wake-ups, so a run on a store that fails to wake other processes' views never ends.
   */
  feedPollMs?: number;
  log?: Logger;
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  elapsedMs: number;
  /** When the last fault heals, or the last query is submitted, whichever is later. */
  expectedMs: number;
  queriesDone: number;
  queries: number;
}

/** What every part of one run shares: the scenario and the run's settings, its clock and random streams, the faults in force, its history. */
export interface RunContext {
  scenario: Scenario;
  options: RunOptions;
  seed: number;
  transport: string;
  policy: ApplyPolicy;
  store: StoreEngine;
  /** The factor every time of the scenario is run at. */
  scale: number;
  /** A time of the scenario's in the run's time. */
  time: (ms: number) => number;
  log: Logger;
  clock: Clock;
  random: Random;
  /** The faults' own stream. */
  faultRandom: Random;
  history: History;
  /** What the sites counted, for the checker. */
  truths: TruthBook;
  board: FaultBoard;
  /** When the run started, on its clock. */
  start: number;
}

export function runContext(scenario: Scenario, options: RunOptions): RunContext {
  const transport = options.transport ?? scenario.transport;
  const scale = options.shorten ?? 1;
  const clock = runClock(transport);
  const random = new SeededRandom(options.seed ?? scenario.seed);
  const faultRandom = random.fork("faults");
  const history = new History(clock);
  const board = new FaultBoard(clock);
  return {
    scenario,
    options,
    seed: options.seed ?? scenario.seed,
    transport,
    policy: options.policy ?? scenario.policy,
    store: options.store ?? "memory",
    scale,
    time: (ms) => Math.round(ms * scale),
    log: options.log ?? silentLogger,
    clock,
    random,
    faultRandom,
    history,
    truths: new Map(),
    board,
    start: clock.now(),
  };
}
