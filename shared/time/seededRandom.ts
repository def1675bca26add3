import type { Random } from "../ports/random.ts";

/** FNV-1a over a string, going on from state `h`: turns labels and seeds into 32-bit words. */
function fnv1a(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/** The FNV-1a states of "a:", "b:", "c:" and "d:" followed by a seed: the four words of its generator. */
type SeedHash = readonly [number, number, number, number];

const PREFIXES: SeedHash = [fnv1a(0x811c9dc5, "a:"), fnv1a(0x811c9dc5, "b:"), fnv1a(0x811c9dc5, "c:"), fnv1a(0x811c9dc5, "d:")];

function hashOn(from: SeedHash, text: string): SeedHash {
  return [fnv1a(from[0], text), fnv1a(from[1], text), fnv1a(from[2], text), fnv1a(from[3], text)];
}

/** Eight hex digits of a word. */
function hex8(word: number): string {
  return word.toString(16).padStart(8, "0");
}

/** sfc32: small, fast, and good enough for simulation; four 32-bit words of state. */
export class SeededRandom implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  /**
   * `hashed` is the seed's hash when the caller has it: a fork hashes its label on from its
   * parent's, instead of the parent's seed and the label again (one per message a site sends).
   */
  constructor(
    readonly seed: number | string,
    private readonly hashed: SeedHash = hashOn(PREFIXES, String(seed)),
  ) {
    this.a = hashed[0] >>> 0;
    this.b = hashed[1] >>> 0;
    this.c = hashed[2] >>> 0;
    this.d = (hashed[3] >>> 0) | 1;
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
    const w0 = hex8(this.word());
    const w1 = hex8(this.word());
    const third = this.word();
    const w2 = hex8(third);
    const w3 = hex8(this.word());
    // Version 4 and the RFC 4122 variant over the first digits of the second and third words.
    const variant = (((third >>> 28) & 0x3) | 0x8).toString(16);
    return `${w0}-${w1.slice(0, 4)}-4${w1.slice(5)}-${variant}${w2.slice(1, 4)}-${w2.slice(4)}${w3}`;
  }

  fork(label: string): Random {
    return new SeededRandom(`${this.seed}/${label}`, hashOn(this.hashed, `/${label}`));
  }
}

/** Entropy for runs that need no replay; still a Random, so code never calls Math.random. */
export function unseededRandom(): Random {
  return new SeededRandom(`${Date.now()}-${process.pid}-${process.hrtime.bigint()}`);
}
