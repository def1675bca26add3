import type { Logger } from "../shared/log.ts";
import type { Clock, Timer } from "../shared/ports/clock.ts";
import type { Random } from "../shared/ports/random.ts";
import type { Transport } from "../shared/ports/transport.ts";
import { encodeFaultControl, type FaultControl, type LiveFault, liveFaultLabel } from "../shared/faults/mod.ts";

/** A live fault's window as the hub records it: when it began, when it ends or ended, and how. */
export interface FaultWindow {
  id: string;
  kind: LiveFault["kind"];
  nodeId: string;
  /** How reports name it: "latency", "partition (both)", "crash". */
  label: string;
  fault: LiveFault;
  startedAt: string;
  /** When it heals by itself. */
  endsAt: string;
  /** When it healed; null while in force. */
  endedAt: string | null;
  /** "expired" at its end, "removed" by DELETE; null while in force. */
  ended: "expired" | "removed" | null;
}

export interface FaultDeskOptions {
  transport: Transport;
  clock: Clock;
  random: Random;
  log: Logger;
  /** Windows kept, newest first; the oldest ended ones go first. */
  capacity?: number;
}

interface Entry {
  window: FaultWindow;
  expiry: Timer | undefined;
  until: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The live faults of a running network, as the hub adds and removes them: each is sent to its
 * site's control destination (`<p>.control.<nodeId>`), where the site's process plays it on itself
 * and heals it at its end; the hub records every window, in force or ended, for GET /api/faults, the
 * page and the reports. Only this process's windows: a restarted hub starts with none listed,
 * while a fault sent before heals at its site all the same.
 */
export class FaultDesk {
  private readonly entries = new Map<string, Entry>();
  private readonly watchers: (() => void)[] = [];

  constructor(private readonly options: FaultDeskOptions) {}

  async add(fault: LiveFault): Promise<FaultWindow> {
    const { clock, random, log } = this.options;
    const id = random.uuid();
    const start = clock.now();
    const until = start + fault.for;
    await this.send({ type: "fault-control", action: "apply", faultId: id, until, fault });
    const window: FaultWindow = {
      id,
      kind: fault.kind,
      nodeId: fault.nodeId,
      label: liveFaultLabel(fault),
      fault,
      startedAt: iso(start),
      endsAt: iso(until),
      endedAt: null,
      ended: null,
    };
    const expiry = clock.setTimeout(() => this.end(id, "expired"), fault.for);
    this.entries.set(id, { window, expiry, until });
    this.trim();
    log.warn({ faultId: id, fault }, "live fault added");
    this.changed();
    return window;
  }

  /** Lifts a fault in force now; undefined for an unknown id. A fault already ended stays as it was. */
  async remove(id: string): Promise<FaultWindow | undefined> {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.window.ended !== null) return entry.window;
    await this.send({ type: "fault-control", action: "lift", faultId: id, fault: entry.window.fault });
    this.end(id, "removed");
    this.options.log.warn({ faultId: id }, "live fault removed");
    return entry.window;
  }

  /** Every window kept, newest first. */
  list(): FaultWindow[] {
    return [...this.entries.values()].map((e) => e.window).reverse();
  }

  /** Told whenever a window opens or ends. */
  onChange(watcher: () => void): () => void {
    this.watchers.push(watcher);
    return () => this.watchers.splice(this.watchers.indexOf(watcher), 1);
  }

  stop(): void {
    for (const e of this.entries.values()) if (e.expiry) this.options.clock.clearTimeout(e.expiry);
  }

  private send(message: FaultControl): Promise<void> {
    return this.options.transport.publish({ to: "control", nodeId: message.fault.nodeId }, encodeFaultControl(message), {
      messageId: this.options.random.uuid(),
    });
  }

  private end(id: string, how: "expired" | "removed"): void {
    const entry = this.entries.get(id);
    if (!entry || entry.window.ended !== null) return;
    if (entry.expiry) this.options.clock.clearTimeout(entry.expiry);
    entry.expiry = undefined;
    const now = this.options.clock.now();
    entry.window = { ...entry.window, ended: how, endedAt: iso(how === "expired" ? Math.max(now, entry.until) : now) };
    this.changed();
  }

  private trim(): void {
    const capacity = this.options.capacity ?? 1_000;
    for (const [id, e] of this.entries) {
      if (this.entries.size <= capacity) break;
      if (e.window.ended !== null) this.entries.delete(id);
    }
  }

  private changed(): void {
    for (const w of this.watchers) w();
  }
}
