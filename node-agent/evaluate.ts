import type { QueryDefinition } from "../shared/protocol/definition.ts";
import { allOf, andInto, andNotInto, orInto, popcount, wordsFor } from "./bitset.ts";
import type { Population } from "./population.ts";

/**
 * The true number of patients matching a definition: panels ANDed, concepts within a panel
 * ORed, a negated panel excluded, then the age and sex filters. Bitset work throughout: a
 * query costs a few passes over n/32 words plus the members of the concepts it names.
 */
export function evaluate(population: Population, definition: QueryDefinition): number {
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
  return popcount(matching);
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
