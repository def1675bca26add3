import type { Random } from "../ports/random.ts";

/** FNV-1a over a string: turns labels and seeds into 32-bit words. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** sfc32: small, fast, and good enough for simulation; four 32-bit words of state. */
export class SeededRandom implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  constructor(readonly seed: number | string) {
    const s = String(seed);
    this.a = hash32(`a:${s}`);
    this.b = hash32(`b:${s}`);
    this.c = hash32(`c:${s}`);
    this.d = hash32(`d:${s}`) | 1;
    for (let i = 0; i < 12; i++) this.word();
  }

  private word(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.word() / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(0, items.length - 1)] as T;
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  gaussian(mean = 0, stdDev = 1): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return mean + stdDev * z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + stdDev * r * Math.cos(2 * Math.PI * v);
  }

  uuid(): string {
    const hex = Array.from({ length: 4 }, () => this.word().toString(16).padStart(8, "0")).join("");
    const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  fork(label: string): Random {
    return new SeededRandom(`${this.seed}/${label}`);
  }
}

/** Entropy for runs that need no replay; still a Random, so code never calls Math.random. */
export function unseededRandom(): Random {
  return new SeededRandom(`${Date.now()}-${process.pid}-${process.hrtime.bigint()}`);
}
