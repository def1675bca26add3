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
});
