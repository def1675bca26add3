import { describe, expect, it } from "vitest";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { membersOf } from "./bitset.ts";
import { AGES_AS_OF, birthDateOf, deathLikelihood, RACES, type Race } from "./demographics.ts";
import { generatePopulation, type Population } from "./population.ts";

const SIZE = 40_000;
const make = (seed: string) => generatePopulation({ size: SIZE, random: new SeededRandom(seed) });

/** Full years from a birth date to the extract date, as a registry computes an age. */
function ageOn(birthDate: string, asOf = AGES_AS_OF): number {
  const born = new Date(`${birthDate}T00:00:00.000Z`);
  const on = new Date(asOf);
  const beforeBirthday =
    on.getUTCMonth() < born.getUTCMonth() || (on.getUTCMonth() === born.getUTCMonth() && on.getUTCDate() < born.getUTCDate());
  return on.getUTCFullYear() - born.getUTCFullYear() - (beforeBirthday ? 1 : 0);
}

function raceShares(p: Population): Record<Race, number> {
  const shares = Object.fromEntries(RACES.map((r) => [r, 0])) as Record<Race, number>;
  for (let id = 0; id < p.size; id++) shares[p.race(id)] += 1 / p.size;
  return shares;
}

describe("a population's race, vital status and birth dates", () => {
  const a = make("hospital-a");
  const b = make("hospital-b");

  it("are the same for the same seed, and leave the ages, sexes and concepts drawn before them as they were", () => {
    const untouched = make("hospital-a");
    const diabetes = [...membersOf(untouched.members("dx:E11.9"))];
    const again = make("hospital-a");
    expect(again.traits.races).toEqual(a.traits.races);
    expect(again.traits.vitalStatuses).toEqual(a.traits.vitalStatuses);
    expect(again.traits.birthdays).toEqual(a.traits.birthdays);
    expect(again.ages).toEqual(untouched.ages);
    expect(again.females).toEqual(untouched.females);
    expect([...membersOf(again.members("dx:E11.9"))]).toEqual(diabetes);
  });

  it("give every patient a birth date that makes their age on the extract date", () => {
    for (let id = 0; id < 2_000; id++) {
      const born = a.birthDate(id);
      expect(born).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(ageOn(born), `patient ${id} born ${born}`).toBe(a.ages[id]);
    }
    expect(birthDateOf(0, 0)).toBe("2026-01-01");
    expect(birthDateOf(40, 1)).toBe("1985-12-31");
    expect(birthDateOf(40, 364)).toBe("1985-01-02");
    expect(new Set(Array.from({ length: 500 }, (_, id) => a.birthDate(id).slice(5))).size).toBeGreaterThan(200);
  });

  it("mix races as a US hospital's records do, each site in its own proportions", () => {
    const sa = raceShares(a);
    const sb = raceShares(b);
    for (const shares of [sa, sb]) {
      expect(shares.white).toBeGreaterThan(0.3);
      expect(shares.unknown).toBeGreaterThan(0.02);
      for (const race of RACES) expect(shares[race], race).toBeGreaterThan(0);
    }
    const spread = RACES.reduce((d, race) => d + Math.abs(sa[race] - sb[race]), 0);
    expect(spread).toBeGreaterThan(0.05);
  });

  it("record deaths mostly among the old, a few records with no vital status, at rates that differ between sites", () => {
    const rates = (p: Population) => {
      let deceased = 0;
      let notRecorded = 0;
      let oldDeceased = 0;
      let old = 0;
      let youngDeceased = 0;
      let young = 0;
      for (let id = 0; id < p.size; id++) {
        const status = p.vitalStatus(id);
        const age = p.ages[id] as number;
        if (status === "deceased") deceased++;
        if (status === "notRecorded") notRecorded++;
        if (age >= 80) {
          old++;
          if (status === "deceased") oldDeceased++;
        } else if (age < 40) {
          young++;
          if (status === "deceased") youngDeceased++;
        }
      }
      return { deceased: deceased / p.size, notRecorded: notRecorded / p.size, old: oldDeceased / old, young: youngDeceased / young };
    };
    const ra = rates(a);
    const rb = rates(b);
    for (const r of [ra, rb]) {
      expect(r.deceased).toBeGreaterThan(0.01);
      expect(r.deceased).toBeLessThan(0.2);
      expect(r.notRecorded).toBeGreaterThan(0.003);
      expect(r.notRecorded).toBeLessThan(0.05);
      expect(r.old).toBeGreaterThan(5 * r.young);
    }
    expect(ra.deceased).not.toBe(rb.deceased);
    expect(deathLikelihood(90, 1)).toBeGreaterThan(deathLikelihood(60, 1));
    expect(deathLikelihood(99, 10)).toBeLessThanOrEqual(0.95);
  });
});
