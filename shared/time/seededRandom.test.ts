import { describe, expect, it } from "vitest";
import { SeededRandom } from "./seededRandom.ts";

describe("SeededRandom", () => {
  it("draws what it always drew for a seed: traces and message ids depend on it", () => {
    const random = new SeededRandom("qnet");
    expect(random.uuid()).toBe("00b5e768-d8b0-4f27-a313-efd027705eb1");
    expect(random.fork("node:site-1").uuid()).toBe("69fba229-1ba4-4c43-a4ca-29be3e206f77");
    expect(new SeededRandom(7).next()).toBe(0.2852183321956545);
  });

  it("a fork draws as a generator seeded with the parent's seed and the label", () => {
    const parent = new SeededRandom("bench/node:site-0042");
    for (const label of ["runs", "message:q:site-0042:3:completed", "ünï✓", ""]) {
      const fork = parent.fork(label);
      const fresh = new SeededRandom(`bench/node:site-0042/${label}`);
      expect([fork.uuid(), fork.next(), fork.fork("x").uuid()]).toEqual([fresh.uuid(), fresh.next(), fresh.fork("x").uuid()]);
    }
  });

  it("a uuid is version 4 with the RFC 4122 variant", () => {
    const random = new SeededRandom(1);
    for (let i = 0; i < 200; i++) expect(random.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
