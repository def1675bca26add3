import type { DeliveryHandler, Transport } from "../shared/ports/transport.ts";

/**
 * Watches a consumer from outside: when the first delivery reached its handler and when the
 * handler had settled (acked, dead-lettered or given back) a given number of deliveries.
 */
export class ConsumeProbe {
  first: number | undefined;
  last: number | undefined;
  settled = 0;
  /** This process's CPU time (all threads) at the first delivery, and spent since when `until` ended, µs. */
  private cpuFirst: NodeJS.CpuUsage | undefined;
  private cpuLast: NodeJS.CpuUsage | undefined;
  private waiter: { count: number; resolve: () => void } | undefined;

  /** Hooks run at the first delivery and when `until` ends: where other meters begin and end, synchronously. */
  constructor(private readonly hooks: { onFirst?: () => void; onEnd?: () => void } = {}) {}

  /** The transport as the consumer sees it: every handler it registers is watched. */
  wrap(transport: Transport): Transport {
    const consume: Transport["consume"] = (source, handler, options) => transport.consume(source, this.watch(handler), options);
    return new Proxy(transport, {
      get: (target, key) => (key === "consume" ? consume : Reflect.get(target, key, target)),
    });
  }

  watch(handler: DeliveryHandler): DeliveryHandler {
    return async (delivery) => {
      if (this.first === undefined) {
        this.first = performance.now();
        this.cpuFirst = process.cpuUsage();
        this.hooks.onFirst?.();
      }
      await handler(delivery);
      this.settled++;
      this.last = performance.now();
      if (this.waiter && this.settled >= this.waiter.count) this.waiter.resolve();
    };
  }

  /** Resolves once `count` deliveries settled, or when none settled for `idleMs` (then short). */
  async until(count: number, idleMs: number): Promise<void> {
    // Taken when the wait ends: an idle process spends no CPU, so the idle tail adds nothing.
    try {
      await this.settledOrIdle(count, idleMs);
    } finally {
      if (this.cpuFirst !== undefined) {
        this.cpuLast = process.cpuUsage(this.cpuFirst);
        this.hooks.onEnd?.();
      }
    }
  }

  private async settledOrIdle(count: number, idleMs: number): Promise<void> {
    if (this.settled >= count) return;
    await new Promise<void>((resolve) => {
      this.waiter = { count, resolve };
      let seen = -1;
      const check = setInterval(() => {
        if (this.settled === seen && this.first !== undefined) {
          clearInterval(check);
          resolve();
        }
        seen = this.settled;
      }, idleMs);
      const done = resolve;
      this.waiter.resolve = () => {
        clearInterval(check);
        done();
      };
    });
  }

  /** Settled deliveries per second, from the first delivery to the last settlement. */
  rate(): number {
    if (this.first === undefined || this.last === undefined || this.last <= this.first) return 0;
    return this.settled / ((this.last - this.first) / 1000);
  }

  /**
   * CPU time the process spent per settled delivery, µs: unlike a rate, it hardly moves when
   * other work shares the machine, so it compares two consumers fairly on a busy machine.
   */
  cpuPerDelivery(): number {
    if (this.cpuLast === undefined || this.settled === 0) return 0;
    return (this.cpuLast.user + this.cpuLast.system) / this.settled;
  }

  seconds(): number {
    return this.first === undefined || this.last === undefined ? 0 : (this.last - this.first) / 1000;
  }
}
