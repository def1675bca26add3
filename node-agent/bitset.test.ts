import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allOf, compact, has, memberCount, membersOf, orInto, popcount, unionSorted, wordsFor } from "./bitset.ts";

const sortedIds = (size: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: size - 1 }), { maxLength: size }).map((a) => Uint32Array.from(a.sort((x, y) => x - y)));

describe("member sets", () => {
  it("keep the same members whether stored as ids or bits", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }).chain((size) => fc.tuple(fc.constant(size), sortedIds(size))),
        ([size, ids]) => {
          const set = compact(ids, size);
          expect(set.kind).toBe(ids.length * 32 <= size ? "ids" : "bits");
          expect(memberCount(set)).toBe(ids.length);
          expect([...membersOf(set)]).toEqual([...ids]);
          for (let id = 0; id < size; id++) expect(has(set, id)).toBe(ids.includes(id));
          const words = new Uint32Array(wordsFor(size));
          orInto(words, set);
          expect(popcount(words)).toBe(ids.length);
        },
      ),
    );
  });

  it("allOf sets exactly the population, nothing past it", () => {
    for (const size of [0, 1, 31, 32, 33, 64, 100]) expect(popcount(allOf(size))).toBe(size);
  });

  it("unionSorted merges without duplicates", () => {
    fc.assert(
      fc.property(sortedIds(100), sortedIds(100), (a, b) => {
        expect([...unionSorted(a, b)]).toEqual([...new Set([...a, ...b])].sort((x, y) => x - y));
      }),
    );
  });
});
