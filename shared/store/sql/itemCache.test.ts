import { describe, expect, it } from "vitest";
import type { ItemState } from "../../apply/precedence.ts";
import { ItemCache } from "./itemCache.ts";

const states = (n: number) => [{ id: `item-${n}` } as unknown as ItemState];

describe("the item cache", () => {
  it("drops the least recently used item beyond its capacity", () => {
    const cache = new ItemCache(2);
    cache.set("a", states(1));
    cache.set("b", states(2));
    cache.get("a");
    cache.set("c", states(3));
    expect(cache.has("a")).toBe(true);
    expect(cache.has("b")).toBe(false);
    expect(cache.has("c")).toBe(true);
    expect(cache.size).toBe(2);
  });

  it("keeps nothing at capacity 0", () => {
    const cache = new ItemCache(0);
    cache.set("a", states(1));
    expect(cache.get("a")).toBeUndefined();
  });
});
