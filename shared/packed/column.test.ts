import { describe, expect, it } from "vitest";
import { Column } from "./column.ts";

describe("Column", () => {
  it("keeps every value pushed, in order, across growth, at its width", () => {
    const doubles = new Column((n) => new Float64Array(n));
    const bytes = new Column((n) => new Uint8Array(n));
    for (let i = 0; i < 5_000; i++) {
      doubles.push(i + 0.5);
      bytes.push(i % 7);
    }
    expect(doubles.length).toBe(5_000);
    expect(doubles.at(4_999)).toBe(4_999.5);
    expect(bytes.at(4_999)).toBe(4_999 % 7);
    expect(() => doubles.at(5_000)).toThrow(RangeError);
  });

  it("overwrites a slot in place, and a write past the end grows it, the slots skipped over reading 0", () => {
    const ints = new Column((n) => new Int32Array(n));
    ints.push(7);
    ints.set(0, -3);
    ints.set(3_000, 9);
    expect(ints.length).toBe(3_001);
    expect([ints.at(0), ints.at(1), ints.at(2_999), ints.at(3_000)]).toEqual([-3, 0, 0, 9]);
    expect(() => ints.set(-1, 1)).toThrow(RangeError);
  });

  it("keeps every value across chunks, appended or written out of order", () => {
    const doubles = new Column((n) => new Float64Array(n));
    const places = [0, 1_500, 65_535, 65_536, 200_000, 131_071, 131_072, 70_000];
    for (const p of places) doubles.set(p, p + 0.25);
    expect(doubles.length).toBe(200_001);
    for (const p of places) expect(doubles.at(p)).toBe(p + 0.25);
    expect(doubles.at(199_999)).toBe(0);
    const ints = new Column((n) => new Uint32Array(n));
    for (let i = 0; i < 300_000; i++) ints.push(i * 3);
    expect([ints.at(0), ints.at(65_536), ints.at(299_999)]).toEqual([0, 196_608, 899_997]);
  });
});
