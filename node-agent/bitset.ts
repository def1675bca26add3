/**
 * The members of one concept, kept in whichever form is smaller: a sorted id list while fewer
 * than one patient in 32 has it (4 bytes a member), a bitset above that (n/8 bytes in all).
 */
export type MemberSet = { kind: "ids"; ids: Uint32Array } | { kind: "bits"; words: Uint32Array };

export const EMPTY_MEMBERS: MemberSet = { kind: "ids", ids: new Uint32Array(0) };

export function wordsFor(size: number): number {
  return Math.ceil(size / 32);
}

/** The compact form of a sorted, duplicate-free id list over a population of `size`. */
export function compact(ids: Uint32Array, size: number): MemberSet {
  if (ids.length * 32 <= size) return { kind: "ids", ids };
  const words = new Uint32Array(wordsFor(size));
  for (const id of ids) words[id >>> 5]! |= 1 << (id & 31);
  return { kind: "bits", words };
}

export function memberCount(set: MemberSet): number {
  return set.kind === "ids" ? set.ids.length : popcount(set.words);
}

export function has(set: MemberSet, id: number): boolean {
  if (set.kind === "bits") return ((set.words[id >>> 5]! >>> (id & 31)) & 1) === 1;
  let lo = 0;
  let hi = set.ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = set.ids[mid]!;
    if (m === id) return true;
    if (m < id) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** The members in ascending order. */
export function* membersOf(set: MemberSet): Generator<number> {
  if (set.kind === "ids") {
    yield* set.ids;
    return;
  }
  for (let w = 0; w < set.words.length; w++) {
    let word = set.words[w]!;
    while (word !== 0) {
      const low = word & -word;
      yield (w << 5) + (31 - Math.clz32(low));
      word ^= low;
    }
  }
}

/** target |= set */
export function orInto(target: Uint32Array, set: MemberSet): void {
  if (set.kind === "ids") {
    for (const id of set.ids) target[id >>> 5]! |= 1 << (id & 31);
    return;
  }
  for (let w = 0; w < target.length; w++) target[w]! |= set.words[w]!;
}

/** target &= other */
export function andInto(target: Uint32Array, other: Uint32Array): void {
  for (let w = 0; w < target.length; w++) target[w]! &= other[w]!;
}

/** target &= ~other */
export function andNotInto(target: Uint32Array, other: Uint32Array): void {
  for (let w = 0; w < target.length; w++) target[w]! &= ~other[w]!;
}

export function popcount(words: Uint32Array): number {
  let total = 0;
  for (let w = 0; w < words.length; w++) {
    let v = words[w]!;
    v -= (v >>> 1) & 0x55555555;
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    total += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  return total;
}

/** A bitset with every patient of a population of `size` set, and nothing past it. */
export function allOf(size: number): Uint32Array {
  const words = new Uint32Array(wordsFor(size)).fill(0xffffffff);
  const tail = size & 31;
  if (tail !== 0) words[words.length - 1] = (1 << tail) - 1;
  return words;
}

/** The union of two sorted, duplicate-free id lists. */
export function unionSorted(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) {
      out[k++] = x;
      i++;
    } else if (y < x) {
      out[k++] = y;
      j++;
    } else {
      out[k++] = x;
      i++;
      j++;
    }
  }
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out.slice(0, k);
}
