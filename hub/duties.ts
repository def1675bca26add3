import type { Logger } from "../shared/log.ts";
import type { Clock, Timer } from "../shared/ports/clock.ts";
import type { Lease } from "../shared/ports/lease.ts";

/** A singleton duty: one pass of it, run only while this replica holds the lease. */
export interface Duty {
  readonly name: string;
  run(): Promise<unknown>;
}

/**
 * The hub's singleton duties among replicas: every interval the lease is asked for (taken, or
 * checked still held), and while it is held the duties run. A replica that dies lets go of the
 * lease with its connection, so another takes over at its next ask, within one interval; what the
 * new holder runs first (`onTaken`) sends again what the dead one may have left unsent. Every duty
 * only writes proposals, so one run twice, by two holders for a moment, stays harmless.
 */
export class Duties {
  private timer: Timer | undefined;
  private running = false;
  private stopped = false;
  private ticking: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      lease: Lease;
      clock: Clock;
      log: Logger;
      intervalMs: number;
      /** Run once each time this replica takes the lease, before the sweeps. */
      onTaken: readonly Duty[];
      /** Run at every interval while the lease is held. */
      sweeps: readonly Duty[];
    },
  ) {}

  /** Asks for the lease now and, when taken, runs what a new holder runs; answers whether it holds it. */
  async take(): Promise<boolean> {
    const { lease, log } = this.deps;
    // After stop nothing asks again: a lease taken then would outlive the hub.
    if (this.stopped) return false;
    const had = lease.held();
    const has = await lease.acquire();
    if (has && !had) {
      log.info("singleton duties taken");
      await this.runAll(this.deps.onTaken);
    } else if (had && !has) log.warn("singleton duties lost");
    return has;
  }

  start(): void {
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    await this.deps.lease.release();
  }

  private schedule(): void {
    this.timer = this.deps.clock.setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        if (this.running) this.schedule();
      });
    }, this.deps.intervalMs);
  }

  private async tick(): Promise<void> {
    if ((await this.take()) && this.running) await this.runAll(this.deps.sweeps);
  }

  private async runAll(duties: readonly Duty[]): Promise<void> {
    for (const duty of duties) {
      try {
        await duty.run();
      } catch (err) {
        this.deps.log.error({ duty: duty.name, err: String(err) }, "duty failed");
      }
    }
  }
}
