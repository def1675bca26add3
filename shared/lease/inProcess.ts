import type { Lease } from "../ports/lease.ts";

/**
 * Leases among holders in one process: the engine for the memory store and PGlite, whose data
 * belongs to one process, and for a simulation's hub replicas over one store. A replica that
 * crashes drops its holder, as a dead connection would free an advisory lock.
 */
export class LeaseBoard {
  private readonly holders = new Map<string, InProcessLease>();

  /** A new holder that competes for `name`. */
  lease(name = "duties"): InProcessLease {
    return new InProcessLease(this.holders, name);
  }

  /** The holder of `name` now, if any. */
  holder(name = "duties"): InProcessLease | undefined {
    return this.holders.get(name);
  }
}

export class InProcessLease implements Lease {
  private has = false;

  constructor(
    private readonly holders: Map<string, InProcessLease>,
    private readonly name: string,
  ) {}

  async acquire(): Promise<boolean> {
    const holder = this.holders.get(this.name);
    if (holder === undefined) this.holders.set(this.name, this);
    this.has = this.holders.get(this.name) === this;
    return this.has;
  }

  held(): boolean {
    return this.has;
  }

  async release(): Promise<void> {
    if (this.holders.get(this.name) === this) this.holders.delete(this.name);
    this.has = false;
  }
}
