type Typed = Float64Array | Uint32Array | Int32Array | Uint16Array | Int16Array | Uint8Array;

/** Slots per chunk: 2^16, half a megabyte of doubles. */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;
/** A column starts this small, so a store or view of a few items costs little. */
const FIRST = 1024;

/**
 * Numbers at their own width, in typed chunks: without the boxing, tagging and slack of a plain
 * array of millions of numbers. The first chunk grows by doubling up to a full chunk; after that
 * the column grows a chunk at a time, so it never holds more than one chunk of room and never
 * copies what it holds (a column of millions that doubled would briefly hold it three times).
 */
export class Column<T extends Typed> {
  private readonly chunks: T[];
  private count = 0;

  constructor(private readonly make: (length: number) => T) {
    this.chunks = [make(FIRST)];
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    this.set(this.count, value);
  }

  /** Writes a slot, appending when it is past the end; slots skipped over read as 0. */
  set(place: number, value: number): void {
    if (!(place >= 0 && place <= 0xffffffff && Number.isInteger(place))) throw new RangeError(`no slot ${place} in a column`);
    const c = place >>> CHUNK_BITS;
    if (c >= this.chunks.length || (c === 0 && place >= (this.chunks[0] as T).length)) this.grow(place);
    (this.chunks[c] as T)[place & MASK] = value;
    if (place >= this.count) this.count = place + 1;
  }

  at(place: number): number {
    if (!(place >= 0 && place < this.count)) throw new RangeError(`no slot ${place} in a column of ${this.count}`);
    return (this.chunks[place >>> CHUNK_BITS] as T)[place & MASK] as number;
  }

  /** Room up to `place`: the first chunk doubled (to a full chunk at most), then whole chunks. */
  private grow(place: number): void {
    const first = this.chunks[0] as T;
    const firstLength = place >= CHUNK ? CHUNK : Math.min(CHUNK, 2 ** Math.ceil(Math.log2(place + 1)));
    if (first.length < firstLength) {
      const grown = this.make(Math.max(firstLength, first.length * 2));
      grown.set(first);
      this.chunks[0] = grown;
    }
    while (this.chunks.length <= place >>> CHUNK_BITS) this.chunks.push(this.make(CHUNK));
  }
}
