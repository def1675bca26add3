import { describe, expect, it } from "vitest";
import type { ItemState } from "../../apply/precedence.ts";
import { ItemCache } from "./itemCache.ts";

const states = (n: number) => [{ id: `item-${n}` } as unknown as ItemState];

describe("the item cache", () => {
  it("drops the least recently used item beyond its capacity", () => {
    const cache = new ItemCache(2);
    cache.set("result", "a", states(1));
    cache.set("result", "b", states(2));
    cache.get("result", "a");
    cache.set("result", "c", states(3));
    expect(cache.has("result", "a")).toBe(true);
    expect(cache.has("result", "b")).toBe(false);
    expect(cache.has("result", "c")).toBe(true);
    expect(cache.size).toBe(2);
  });

  it("drops the least recently used item of either kind", () => {
    const cache = new ItemCache(2);
    cache.set("query", "q", states(1));
    cache.set("result", "r", states(2));
    cache.get("query", "q");
    cache.set("result", "s", states(3));
    expect(cache.has("query", "q")).toBe(true);
    expect(cache.has("result", "r")).toBe(false);
    cache.get("result", "s");
    cache.set("result", "t", states(4));
    expect(cache.has("query", "q")).toBe(false);
    expect([cache.has("result", "s"), cache.has("result", "t"), cache.size]).toEqual([true, true, 2]);
  });

  it("keeps a query and a result of the same id apart", () => {
    const cache = new ItemCache(4);
    cache.set("query", "x", states(1));
    cache.set("result", "x", states(2));
    expect(cache.get("query", "x")).toEqual(states(1));
    cache.delete("query", "x");
    expect([cache.peek("query", "x"), cache.peek("result", "x")]).toEqual([undefined, states(2)]);
  });

  it("keeps nothing at capacity 0", () => {
    const cache = new ItemCache(0);
    cache.set("result", "a", states(1));
    expect(cache.get("result", "a")).toBeUndefined();
  });
});
