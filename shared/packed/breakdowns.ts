import { BREAKDOWN_KINDS, type Breakdowns, cellsOf } from "../protocol/breakdowns.ts";
import { Column } from "./column.ts";

const CELLS = BREAKDOWN_KINDS.map((kind) => cellsOf(kind) as readonly string[]);

/** An integer an Int32Array holds exactly: every cell the protocol allows (-1 to a billion). */
function isCell(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 && !Object.is(value, -0);
}

/** A plain object whose own keys are exactly `keys`, in that order. */
function hasExactly(value: unknown, keys: readonly string[]): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  let k = 0;
  for (const key in value) if (key !== keys[k++]) return false;
  return k === keys.length;
}

/**
 * The breakdowns of packed result states: per slot, where its record starts in one column of
 * 32-bit numbers, and the record itself, a mask of the kinds it has then their cells, kind after
 * kind in their order. Four breakdowns are 23 numbers, where their objects would cost a few hundred
 * bytes each. A slot written again with the same kinds reuses its record in place. Only breakdowns
 * that rebuild exactly pack: the kinds and cells in their order, every cell an integer.
 */
export class PackedBreakdowns {
  /** Per slot, 1 + where its record starts, 0 for none. Grown only as far as the last slot with breakdowns. */
  private readonly starts = new Column((n) => new Uint32Array(n));
  private readonly records = new Column((n) => new Int32Array(n));

  /** The kinds mask of packable breakdowns, or undefined. */
  static maskOf(breakdowns: unknown): number | undefined {
    if (typeof breakdowns !== "object" || breakdowns === null || Object.getPrototypeOf(breakdowns) !== Object.prototype) return undefined;
    const present = BREAKDOWN_KINDS.filter((kind) => kind in breakdowns);
    if (!hasExactly(breakdowns, present)) return undefined;
    let mask = 0;
    for (const [k, kind] of BREAKDOWN_KINDS.entries()) {
      if (!(kind in breakdowns)) continue;
      const cells = breakdowns[kind];
      const names = CELLS[k] as readonly string[];
      if (!hasExactly(cells, names) || !names.every((name) => isCell(cells[name]))) return undefined;
      mask |= 1 << k;
    }
    return mask;
  }

  has(slot: number): boolean {
    return slot < this.starts.length && this.starts.at(slot) !== 0;
  }

  /** Packs breakdowns that maskOf accepted. */
  write(slot: number, breakdowns: Breakdowns, mask: number): void {
    const size = 1 + CELLS.reduce((n, cells, k) => n + (mask & (1 << k) ? cells.length : 0), 0);
    let at = this.has(slot) ? this.starts.at(slot) - 1 : -1;
    if (at < 0 || this.records.at(at) !== mask) {
      at = this.records.length;
      this.records.set(at + size - 1, 0);
      this.starts.set(slot, at + 1);
    }
    this.records.set(at, mask);
    let p = at + 1;
    for (const [k, kind] of BREAKDOWN_KINDS.entries()) {
      if (!(mask & (1 << k))) continue;
      const cells = breakdowns[kind] as Record<string, number>;
      for (const name of CELLS[k] as readonly string[]) this.records.set(p++, cells[name] as number);
    }
  }

  clear(slot: number): void {
    if (slot < this.starts.length) this.starts.set(slot, 0);
  }

  /** A fresh object equal to the breakdowns packed at the slot. */
  read(slot: number): Breakdowns {
    const at = this.starts.at(slot) - 1;
    const mask = this.records.at(at);
    const out: Record<string, Record<string, number>> = {};
    let p = at + 1;
    for (const [k, kind] of BREAKDOWN_KINDS.entries()) {
      if (!(mask & (1 << k))) continue;
      const cells: Record<string, number> = {};
      for (const name of CELLS[k] as readonly string[]) cells[name] = this.records.at(p++);
      out[kind] = cells;
    }
    return out as Breakdowns;
  }
}
