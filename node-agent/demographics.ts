import type { Random } from "../shared/ports/random.ts";
import { type CellOf, cellsOf } from "../shared/protocol/breakdowns.ts";

export type Race = CellOf<"race">;
export type VitalStatus = CellOf<"vitalStatus">;

export const RACES = cellsOf("race");
export const VITAL_STATUSES = cellsOf("vitalStatus");

/** The day ages are counted to: a site's records are an extract made on it. */
export const AGES_AS_OF = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;

/**
 * What a breakdown reads of each patient beyond age and sex, by patient id: race and vital status
 * as indexes among their cells, and the birthday as days before the anniversary of the extract
 * date (0..364), which with the age makes the birth date.
 */
export interface Traits {
  races: Uint8Array;
  vitalStatuses: Uint8Array;
  birthdays: Uint16Array;
}

/** Shares of race in a US hospital's records, before a site's own mix: many records say none. */
const NATIONAL_RACE: Readonly<Record<Race, number>> = {
  americanIndian: 0.01,
  asian: 0.06,
  black: 0.13,
  pacificIslander: 0.003,
  white: 0.6,
  multiple: 0.03,
  other: 0.05,
  unknown: 0.12,
};

/** A site's own mix of races and record keeping, drawn once from its seed: sites serve different places. */
export interface SiteMix {
  /** Cumulative shares of the races, in the order of their cells. */
  raceCumulative: Float64Array;
  /** Multiplies the likelihood of death at every age: older or sicker patients, better linkage to death records. */
  mortality: number;
  /** Share of records with no vital status. */
  notRecorded: number;
}

export function drawSiteMix(random: Random): SiteMix {
  const weights = RACES.map((race) => NATIONAL_RACE[race] * Math.exp(random.gaussian(0, 0.6)));
  const total = weights.reduce((s, w) => s + w, 0);
  const raceCumulative = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => {
    sum += w / total;
    raceCumulative[i] = sum;
  });
  return { raceCumulative, mortality: Math.exp(random.gaussian(0, 0.3)), notRecorded: 0.005 + random.next() * 0.03 };
}

/** The likelihood that a patient of this age is recorded as deceased: low until late middle age, then rising fast. */
export function deathLikelihood(age: number, mortality: number): number {
  return Math.min(0.95, mortality * (0.004 + 0.5 / (1 + Math.exp(-(age - 82) / 7))));
}

/** Every patient's traits, drawn from the site's mix; ages come from the population already drawn. */
export function drawTraits(ages: Uint8Array, random: Random): Traits {
  const mix = drawSiteMix(random.fork("mix"));
  const size = ages.length;
  const races = new Uint8Array(size);
  const vitalStatuses = new Uint8Array(size);
  const birthdays = new Uint16Array(size);
  const raceDraws = random.fork("race");
  const vitalDraws = random.fork("vital");
  const birthdayDraws = random.fork("birthday");
  const living = VITAL_STATUSES.indexOf("living");
  const deceased = VITAL_STATUSES.indexOf("deceased");
  const notRecorded = VITAL_STATUSES.indexOf("notRecorded");
  for (let id = 0; id < size; id++) {
    const u = raceDraws.next();
    let race = 0;
    while (race < mix.raceCumulative.length - 1 && u >= (mix.raceCumulative[race] as number)) race++;
    races[id] = race;
    const v = vitalDraws.next();
    vitalStatuses[id] =
      v < mix.notRecorded ? notRecorded : vitalDraws.chance(deathLikelihood(ages[id] as number, mix.mortality)) ? deceased : living;
    birthdays[id] = birthdayDraws.int(0, 364);
  }
  return { races, vitalStatuses, birthdays };
}

/**
 * The birth date of a patient `age` years old on the extract date, born `birthday` days before
 * that date's anniversary: at most 364 days back, so the age on the extract date is exactly `age`.
 */
export function birthDateOf(age: number, birthday: number): string {
  const asOf = new Date(AGES_AS_OF);
  const anniversary = Date.UTC(asOf.getUTCFullYear() - age, asOf.getUTCMonth(), asOf.getUTCDate());
  return new Date(anniversary - birthday * DAY_MS).toISOString().slice(0, 10);
}
