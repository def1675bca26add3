type Typed = Float64Array | Uint32Array | Int32Array | Uint16Array | Int16Array | Uint8Array;

/**
 * A typed array that grows by doubling: a number per slot at its own width, without the boxing,
 * tagging and slack of a plain array of millions of numbers.
 */
export class Column<T extends Typed> {
  private data: T;
  private count = 0;

  constructor(private readonly make: (length: number) => T) {
    this.data = make(1024);
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    this.set(this.count, value);
  }

  /** Writes a slot, appending when it is past the end; slots skipped over read as 0. */
  set(place: number, value: number): void {
    if (!(place >= 0 && Number.isInteger(place))) throw new RangeError(`no slot ${place} in a column`);
    if (place >= this.data.length) {
      let length = this.data.length * 2;
      while (length <= place) length *= 2;
      const grown = this.make(length);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[place] = value;
    if (place >= this.count) this.count = place + 1;
  }

  at(place: number): number {
    if (!(place >= 0 && place < this.count)) throw new RangeError(`no slot ${place} in a column of ${this.count}`);
    return this.data[place] as number;
  }
}
