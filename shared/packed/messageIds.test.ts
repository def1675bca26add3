import { describe, expect, it } from "vitest";
import { MessageIds } from "./messageIds.ts";

describe("MessageIds", () => {
  it("reads back every id exactly as written, UUIDs or not, across growth", () => {
    const written: (string | null)[] = [];
    for (let i = 0; i < 3_000; i++) {
      const hex = (i * 2_654_435_761).toString(16).padStart(8, "0").slice(-8);
      written.push(
        i % 7 === 0
          ? null
          : i % 11 === 0
            ? `m-${i}`
            : i % 13 === 0
              ? `${hex}-ABCD-4000-8000-00000000000${i % 10}`
              : `${hex}-0000-4abc-8def-${hex}ffff`,
      );
    }
    written.push("00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff");
    const ids = new MessageIds();
    for (const id of written) ids.push(id);
    expect(ids.length).toBe(written.length);
    expect(written.map((_, i) => ids.at(i))).toEqual(written);
  });
});
