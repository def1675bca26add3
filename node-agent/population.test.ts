import { describe, expect, it } from "vitest";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { has, memberCount, membersOf } from "./bitset.ts";
import { generatePopulation, type Population, populationOf } from "./population.ts";
import { VOCABULARY } from "./vocabulary.ts";

const SIZE = 50_000;
const make = (seed: string, size = SIZE) => generatePopulation({ size, random: new SeededRandom(seed) });
const share = (p: Population, concept: string) => memberCount(p.members(concept)) / p.size;

/** Share of a concept among the patients a predicate picks. */
function shareAmong(p: Population, concept: string, pick: (id: number) => boolean): number {
  const set = p.members(concept);
  let picked = 0;
  let having = 0;
  for (let id = 0; id < p.size; id++) {
    if (!pick(id)) continue;
    picked++;
    if (has(set, id)) having++;
  }
  return having / picked;
}

describe("generatePopulation", () => {
  const a = make("hospital-a");

  it("is the same population for the same seed, whatever order concepts are asked in", () => {
    const again = make("hospital-a");
    expect(again.ages).toEqual(a.ages);
    expect(again.females).toEqual(a.females);
    // Ask in the opposite order: children before their parents.
    for (const code of ["rx:metformin", "dx:E11.9", "dx:I10"])
      expect([...membersOf(again.members(code))]).toEqual([...membersOf(a.members(code))]);
  });

  it("differs between seeds, so sites report different counts", () => {
    const b = make("hospital-b");
    expect(memberCount(b.members("dx:I10"))).not.toBe(memberCount(a.members("dx:I10")));
    expect(b.ages).not.toEqual(a.ages);
  });

  it("has realistic prevalences along a long tail", () => {
    expect(share(a, "dx:I10")).toBeGreaterThan(0.27);
    expect(share(a, "dx:I10")).toBeLessThan(0.33);
    expect(share(a, "dx:E11.9")).toBeGreaterThan(0.08);
    expect(share(a, "dx:E11.9")).toBeLessThan(0.1);
    expect(share(a, "dx:E10.9")).toBeGreaterThan(0.003);
    expect(share(a, "dx:E10.9")).toBeLessThan(0.007);
    const shares = VOCABULARY.map((c) => share(a, c.code)).sort((x, y) => y - x);
    expect(VOCABULARY.length).toBeGreaterThan(200);
    expect(shares[0]).toBeGreaterThan(0.3);
    // A long tail: the median concept is held by a few percent, the rarest by a few in ten thousand.
    expect(shares[Math.floor(shares.length / 2)]).toBeLessThan(0.03);
    expect(shares.filter((s) => s < 0.001).length).toBeGreaterThan(10);
  });

  it("is about half female and skewed in age, not uniform", () => {
    let females = 0;
    let over65 = 0;
    let sum = 0;
    for (let id = 0; id < a.size; id++) {
      if (a.isFemale(id)) females++;
      if (a.ages[id]! >= 65) over65++;
      sum += a.ages[id]!;
    }
    expect(females / a.size).toBeGreaterThan(0.49);
    expect(females / a.size).toBeLessThan(0.53);
    // Uniform over 0..99 would give 35% aged 65+ and a mean of 49.5.
    expect(over65 / a.size).toBeGreaterThan(0.18);
    expect(over65 / a.size).toBeLessThan(0.28);
    expect(sum / a.size).toBeLessThan(45);
  });

  it("makes type 2 diabetes more common with age, and metformin follow it", () => {
    const old = shareAmong(a, "dx:E11.9", (id) => a.ages[id]! >= 65);
    const young = shareAmong(a, "dx:E11.9", (id) => a.ages[id]! >= 18 && a.ages[id]! < 45);
    expect(old).toBeGreaterThan(2 * young);
    const diabetes = a.members("dx:E11.9");
    const withDiabetes = shareAmong(a, "rx:metformin", (id) => has(diabetes, id));
    const without = shareAmong(a, "rx:metformin", (id) => !has(diabetes, id));
    expect(withDiabetes).toBeGreaterThan(0.65);
    expect(without).toBeLessThan(0.03);
  });

  it("keeps sex-specific concepts to their sex", () => {
    for (const id of membersOf(a.members("dx:C61"))) expect(a.isFemale(id)).toBe(false);
    for (const id of membersOf(a.members("dx:O80"))) expect(a.isFemale(id)).toBe(true);
  });

  it("matches nobody for an unknown concept", () => {
    expect(memberCount(a.members("dx:NOPE.1"))).toBe(0);
  });
});

describe("populationOf", () => {
  it("holds exactly the patients written out", () => {
    const p = populationOf([
      { age: 30, sex: "F", concepts: ["dx:I10", "dx:I10"] },
      { age: 70, sex: "M", concepts: ["dx:E11.9"] },
    ]);
    expect(p.size).toBe(2);
    expect([...membersOf(p.members("dx:I10"))]).toEqual([0]);
    expect(p.isFemale(0)).toBe(true);
    expect(p.isFemale(1)).toBe(false);
    expect(p.ages[1]).toBe(70);
  });
});
