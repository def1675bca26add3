import type { Random } from "../shared/ports/random.ts";
import { compact, EMPTY_MEMBERS, type MemberSet, membersOf, unionSorted, wordsFor } from "./bitset.ts";
import { birthDateOf, drawTraits, RACES, type Race, type Traits, VITAL_STATUSES, type VitalStatus } from "./demographics.ts";
import { type AgeTrend, type ConceptSpec, VOCABULARY } from "./vocabulary.ts";

export const DEFAULT_POPULATION_SIZE = 20_000;
export const MAX_AGE = 99;

/**
 * A hospital's patients, held compactly enough for ten million: one byte of age each, one bit
 * of sex, and per concept a sorted id list or a bitset (see bitset.ts). Concepts are generated
 * on first use, each from its own stream forked off the population's seed, so the same seed
 * gives the same patients whatever order queries ask in. Race, vital status and birthday
 * (demographics.ts) are drawn on first use too, when a query first asks for a breakdown, from
 * streams of their own: a site that is never asked keeps four bytes a patient less, and the
 * patients and counts of every other query stay what they were.
 */
export class Population {
  private readonly concepts = new Map<string, MemberSet>();
  private drawnTraits: Traits | undefined;

  constructor(
    readonly size: number,
    /** Age in years on the extract date, by patient id. */
    readonly ages: Uint8Array,
    /** Bit i set when patient i is female. */
    readonly females: Uint32Array,
    private readonly build: (concept: string, population: Population) => MemberSet | undefined,
    private readonly drawTraitsOnce: (population: Population) => Traits,
  ) {}

  /** Race, vital status and birthday of every patient. */
  get traits(): Traits {
    this.drawnTraits ??= this.drawTraitsOnce(this);
    return this.drawnTraits;
  }

  race(patient: number): Race {
    return RACES[this.traits.races[patient] as number] as Race;
  }

  vitalStatus(patient: number): VitalStatus {
    return VITAL_STATUSES[this.traits.vitalStatuses[patient] as number] as VitalStatus;
  }

  /** The birth date (YYYY-MM-DD) that makes the patient's age on the extract date. */
  birthDate(patient: number): string {
    return birthDateOf(this.ages[patient] as number, this.traits.birthdays[patient] as number);
  }

  /** The patients having a concept; an unknown concept has none. */
  members(concept: string): MemberSet {
    let set = this.concepts.get(concept);
    if (!set) {
      set = this.build(concept, this) ?? EMPTY_MEMBERS;
      this.concepts.set(concept, set);
    }
    return set;
  }

  isFemale(patient: number): boolean {
    return ((this.females[patient >>> 5]! >>> (patient & 31)) & 1) === 1;
  }
}

/** A patient of a hand-made population. */
export interface PatientRecord {
  age: number;
  sex: "F" | "M";
  concepts: readonly string[];
  /** "unknown" when absent. */
  race?: Race;
  /** "living" when absent. */
  vitalStatus?: VitalStatus;
}

/** A population written out patient by patient, for tests that need to know every answer. */
export function populationOf(patients: readonly PatientRecord[]): Population {
  const size = patients.length;
  const ages = new Uint8Array(size);
  const females = new Uint32Array(wordsFor(size));
  const byConcept = new Map<string, number[]>();
  patients.forEach((p, id) => {
    ages[id] = p.age;
    if (p.sex === "F") females[id >>> 5]! |= 1 << (id & 31);
    for (const c of new Set(p.concepts)) {
      const ids = byConcept.get(c) ?? [];
      ids.push(id);
      byConcept.set(c, ids);
    }
  });
  const traits: Traits = {
    races: Uint8Array.from(patients, (p) => RACES.indexOf(p.race ?? "unknown")),
    vitalStatuses: Uint8Array.from(patients, (p) => VITAL_STATUSES.indexOf(p.vitalStatus ?? "living")),
    birthdays: new Uint16Array(size),
  };
  return new Population(
    size,
    ages,
    females,
    (concept) => {
      const ids = byConcept.get(concept);
      return ids ? compact(Uint32Array.from(ids), size) : undefined;
    },
    () => traits,
  );
}

/** Age bands of a hospital's records, older-heavy like the people who see doctors. */
const AGE_BANDS: readonly { min: number; max: number; weight: number }[] = [
  { min: 0, max: 4, weight: 6 },
  { min: 5, max: 17, weight: 14 },
  { min: 18, max: 29, weight: 13 },
  { min: 30, max: 44, weight: 17 },
  { min: 45, max: 64, weight: 27 },
  { min: 65, max: 79, weight: 16 },
  { min: 80, max: MAX_AGE, weight: 7 },
];
export const FEMALE_SHARE = 0.51;

/** The relative likelihood of a concept at an age, before scaling to its prevalence. */
export function ageWeight(trend: AgeTrend, age: number): number {
  switch (trend) {
    case "flat":
      return 1;
    case "adult":
      return age < 18 ? 0.05 : 1;
    case "child":
      return age < 18 ? 3 : age < 30 ? 0.7 : 0.4;
    case "young-adult":
      return age >= 15 && age <= 45 ? 1 : age < 15 ? 0.05 : 0.3;
    case "older":
      return 0.05 + 1 / (1 + Math.exp(-(age - 50) / 10));
    case "elderly":
      return 0.01 + 1 / (1 + Math.exp(-(age - 65) / 7));
  }
}

export interface PopulationOptions {
  size?: number;
  random: Random;
  vocabulary?: readonly ConceptSpec[];
}

/** A synthetic population drawn from a seed: the same seed, the same patients. */
export function generatePopulation(options: PopulationOptions): Population {
  const size = options.size ?? DEFAULT_POPULATION_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > 2 ** 31)
    throw new RangeError(`population size ${size} is not a whole number up to 2^31`);
  const specs = new Map((options.vocabulary ?? VOCABULARY).map((c) => [c.code, c]));
  const { ages, females } = drawDemographics(size, options.random.fork("demographics"));
  // Patients per (sex, age): enough to scale each concept's age curve to its overall prevalence.
  const census = new Float64Array(2 * (MAX_AGE + 1));
  for (let id = 0; id < size; id++) census[sexIndex(females, id) * (MAX_AGE + 1) + ages[id]!]! += 1;

  const building = new Set<string>();
  return new Population(
    size,
    ages,
    females,
    (code, population) => {
      const spec = specs.get(code);
      if (!spec) return undefined;
      if (building.has(code)) throw new Error(`vocabulary cycle through ${code}`);
      building.add(code);
      try {
        const random = options.random.fork(`concept:${code}`);
        let ids = drawByAge(spec, population, census, random);
        for (const { parent, share } of spec.given ?? [])
          ids = unionSorted(ids, drawAmong(population.members(parent), share, spec.sex, population, random));
        return compact(ids, size);
      } finally {
        building.delete(code);
      }
    },
    (population) => drawTraits(population.ages, options.random.fork("traits")),
  );
}

function sexIndex(females: Uint32Array, id: number): 0 | 1 {
  return ((females[id >>> 5]! >>> (id & 31)) & 1) as 0 | 1;
}

function drawDemographics(size: number, random: Random): { ages: Uint8Array; females: Uint32Array } {
  const ages = new Uint8Array(size);
  const females = new Uint32Array(wordsFor(size));
  const total = AGE_BANDS.reduce((s, b) => s + b.weight, 0);
  for (let id = 0; id < size; id++) {
    let u = random.next() * total;
    let band = AGE_BANDS[AGE_BANDS.length - 1]!;
    for (const b of AGE_BANDS) {
      if (u < b.weight) {
        band = b;
        break;
      }
      u -= b.weight;
    }
    ages[id] = random.int(band.min, band.max);
    if (random.next() < FEMALE_SHARE) females[id >>> 5]! |= 1 << (id & 31);
  }
  return { ages, females };
}

/** Gaps between successes of a Bernoulli(p) run, so drawing costs the members, not the population. */
function gap(random: Random, p: number): number {
  if (p >= 1) return 0;
  return Math.floor(Math.log(1 - random.next()) / Math.log(1 - p));
}

/** The concept's own cases: likelihood by sex and age, scaled so the overall share is its prevalence. */
function drawByAge(spec: ConceptSpec, population: Population, census: Float64Array, random: Random): Uint32Array {
  const stride = MAX_AGE + 1;
  const weights = new Float64Array(2 * stride);
  let weighted = 0;
  for (let sex = 0; sex < 2; sex++) {
    if (spec.sex && (spec.sex === "F") !== (sex === 1)) continue;
    for (let age = 0; age <= MAX_AGE; age++) {
      const w = ageWeight(spec.trend, age);
      weights[sex * stride + age] = w;
      weighted += w * census[sex * stride + age]!;
    }
  }
  if (spec.prevalence <= 0 || weighted === 0) return new Uint32Array(0);
  const scale = (spec.prevalence * population.size) / weighted;
  let pMax = 0;
  for (let i = 0; i < weights.length; i++) {
    weights[i] = Math.min(0.95, weights[i]! * scale);
    pMax = Math.max(pMax, weights[i]!);
  }
  const out = new IdBuffer();
  // Thinning: candidates at the highest likelihood, each kept with its own likelihood's share of it.
  for (let id = gap(random, pMax); id < population.size; id += 1 + gap(random, pMax)) {
    const p = weights[sexIndex(population.females, id) * stride + population.ages[id]!]!;
    if (p === pMax || random.next() * pMax < p) out.push(id);
  }
  return out.done();
}

/** Cases among a parent concept's patients, each with probability `share`. */
function drawAmong(parent: MemberSet, share: number, sex: "F" | "M" | undefined, population: Population, random: Random): Uint32Array {
  const out = new IdBuffer();
  if (share <= 0) return out.done();
  let skip = gap(random, share);
  for (const id of membersOf(parent)) {
    if (skip > 0) {
      skip--;
      continue;
    }
    skip = gap(random, share);
    if (!sex || (sex === "F") === population.isFemale(id)) out.push(id);
  }
  return out.done();
}

/** A growing list of ascending ids. */
class IdBuffer {
  private ids = new Uint32Array(64);
  private length = 0;

  push(id: number): void {
    if (this.length === this.ids.length) {
      const bigger = new Uint32Array(this.ids.length * 2);
      bigger.set(this.ids);
      this.ids = bigger;
    }
    this.ids[this.length++] = id;
  }

  done(): Uint32Array {
    return this.ids.slice(0, this.length);
  }
}
