import { type Breakdowns, BREAKDOWNS, type BreakdownKind, ageBandOf, cellsOf } from "../shared/protocol/breakdowns.ts";
import type { QueryDefinition } from "../shared/protocol/definition.ts";
import { allOf, andInto, andNotInto, membersOf, orInto, popcount, wordsFor } from "./bitset.ts";
import type { Population } from "./population.ts";

/** What a site truly counts for a query: the matching patients, and the breakdowns it asks for. Never sent as it is. */
export interface TrueAnswer {
  count: number;
  breakdowns?: Breakdowns;
}

/** The true number of patients matching a definition, and the true cells of the breakdowns it names. */
export function countMatching(population: Population, definition: QueryDefinition): TrueAnswer {
  const matching = matchingPatients(population, definition);
  const count = popcount(matching);
  const kinds = definition.breakdowns ?? [];
  return kinds.length === 0 ? { count } : { count, breakdowns: breakdownsOf(population, matching, kinds) };
}

/** The true number of patients matching a definition. */
export function evaluate(population: Population, definition: QueryDefinition): number {
  return popcount(matchingPatients(population, definition));
}

/**
 * The patients matching a definition, as a bitset: panels ANDed, concepts within a panel ORed, a
 * negated panel excluded, then the age and sex filters. Bitset work throughout: a query costs a
 * few passes over n/32 words plus the members of the concepts it names.
 */
export function matchingPatients(population: Population, definition: QueryDefinition): Uint32Array {
  const matching = allOf(population.size);
  for (const panel of definition.panels) {
    const panelBits = new Uint32Array(wordsFor(population.size));
    for (const concept of new Set(panel.concepts)) orInto(panelBits, population.members(concept));
    if (panel.not) andNotInto(matching, panelBits);
    else andInto(matching, panelBits);
  }
  if (definition.sex === "F") andInto(matching, population.females);
  if (definition.sex === "M") andNotInto(matching, population.females);
  const min = definition.age?.min;
  const max = definition.age?.max;
  if (min !== undefined || max !== undefined) andInto(matching, ageBits(population, min ?? 0, max ?? Number.POSITIVE_INFINITY));
  return matching;
}

/** The cell of each patient in a kind, as an index among the kind's cells. */
const CELL_OF: { readonly [K in BreakdownKind]: (population: Population, patient: number) => number } = {
  sex: (p, id) => (p.isFemale(id) ? 0 : 1),
  age: (p, id) => ageBandOf(p.ages[id] as number),
  race: (p, id) => p.traits.races[id] as number,
  vitalStatus: (p, id) => p.traits.vitalStatuses[id] as number,
};

/** The matching patients counted into the cells of each kind, one pass over them. */
export function breakdownsOf(population: Population, matching: Uint32Array, kinds: readonly BreakdownKind[]): Breakdowns {
  const tallies = kinds.map((kind) => ({ kind, cellOf: CELL_OF[kind], counts: new Float64Array(cellsOf(kind).length) }));
  for (const id of membersOf({ kind: "bits", words: matching })) {
    for (const t of tallies) (t.counts[t.cellOf(population, id)] as number)++;
  }
  const out: Record<string, Record<string, number>> = {};
  // In the kinds' own order, whatever order the query named them in: the same breakdowns are the same state.
  for (const kind of Object.keys(BREAKDOWNS) as BreakdownKind[]) {
    const t = tallies.find((x) => x.kind === kind);
    if (t) out[kind] = Object.fromEntries(cellsOf(kind).map((cell, i) => [cell, t.counts[i] as number]));
  }
  return out as Breakdowns;
}

/** Patients aged min..max, both included. */
function ageBits(population: Population, min: number, max: number): Uint32Array {
  const bits = new Uint32Array(wordsFor(population.size));
  const { ages } = population;
  for (let id = 0; id < ages.length; id++) {
    const age = ages[id]!;
    if (age >= min && age <= max) bits[id >>> 5]! |= 1 << (id & 31);
  }
  return bits;
}
