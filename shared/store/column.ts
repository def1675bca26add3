type Typed = Float64Array | Uint32Array | Int32Array | Uint8Array;

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
    if (this.count === this.data.length) {
      const grown = this.make(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.count++] = value;
  }

  at(place: number): number {
    if (!(place >= 0 && place < this.count)) throw new RangeError(`no slot ${place} in a column of ${this.count}`);
    return this.data[place] as number;
  }
}
