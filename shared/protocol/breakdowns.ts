import { z } from "zod";

/**
 * SHRINE's breakdown result types: beside the count, the matching patients counted by sex, age
 * band, race and vital status, each cell obfuscated as the count is. The cells of a kind are fixed
 * and in this order (SHRINE's age bands; the US federal race categories as i2b2's demographics
 * ontology has them), so that sites' breakdowns add up cell by cell.
 */
export const BREAKDOWNS = {
  sex: {
    shrineType: "PATIENT_GENDER_COUNT_XML",
    label: "Sex",
    cells: { female: "Female", male: "Male" },
  },
  age: {
    shrineType: "PATIENT_AGE_COUNT_XML",
    label: "Age",
    cells: {
      "0-9": "0-9 years old",
      "10-17": "10-17 years old",
      "18-34": "18-34 years old",
      "35-44": "35-44 years old",
      "45-54": "45-54 years old",
      "55-64": "55-64 years old",
      "65-74": "65-74 years old",
      "75-84": "75-84 years old",
      "85+": ">= 85 years old",
    },
  },
  race: {
    shrineType: "PATIENT_RACE_COUNT_XML",
    label: "Race",
    cells: {
      americanIndian: "American Indian or Alaska Native",
      asian: "Asian",
      black: "Black or African American",
      pacificIslander: "Native Hawaiian or Other Pacific Islander",
      white: "White",
      multiple: "Multiple races",
      other: "Other",
      unknown: "Unknown",
    },
  },
  vitalStatus: {
    shrineType: "PATIENT_VITALSTATUS_COUNT_XML",
    label: "Vital status",
    cells: { living: "Living", deceased: "Deceased", notRecorded: "Not recorded" },
  },
} as const;

export type BreakdownKind = keyof typeof BREAKDOWNS;
export type CellOf<K extends BreakdownKind> = keyof (typeof BREAKDOWNS)[K]["cells"] & string;

export const BREAKDOWN_KINDS = Object.keys(BREAKDOWNS) as BreakdownKind[];

/** The cells of a kind, in their order. */
export function cellsOf<K extends BreakdownKind>(kind: K): readonly CellOf<K>[] {
  return Object.keys(BREAKDOWNS[kind].cells) as CellOf<K>[];
}

/** The upper age of each age band, in the order of its cells; the last band has none. */
export const AGE_BAND_MAX: readonly number[] = [9, 17, 34, 44, 54, 64, 74, 84];

/** The age band (index among the age cells) of an age in years. */
export function ageBandOf(age: number): number {
  let band = 0;
  while (band < AGE_BAND_MAX.length && age > (AGE_BAND_MAX[band] as number)) band++;
  return band;
}

export const BreakdownKind = z.enum(BREAKDOWN_KINDS as [BreakdownKind, ...BreakdownKind[]], {
  message: `unknown breakdown (expected one of ${BREAKDOWN_KINDS.join(", ")})`,
});

/** A number of patients as a site reports it: obfuscated, -1 meaning "lowLimit patients or fewer". */
export const patientCount = (what: string) =>
  z
    .number()
    .int({ message: `${what} must be an integer` })
    .min(-1, { message: `${what} must be >= -1` })
    .max(1_000_000_000, { message: `${what} is implausibly large` });

const Cell = patientCount("a breakdown cell");

function cellsSchema<K extends BreakdownKind>(kind: K) {
  const shape = Object.fromEntries(cellsOf(kind).map((cell) => [cell, Cell])) as Record<CellOf<K>, typeof Cell>;
  return z.object(shape).meta({ description: `${BREAKDOWNS[kind].shrineType}: every cell, each obfuscated as the count is` });
}

/** The breakdowns of a completed result: each kind the query asked for, with every one of its cells. */
export const Breakdowns = z.object({
  sex: cellsSchema("sex").optional(),
  age: cellsSchema("age").optional(),
  race: cellsSchema("race").optional(),
  vitalStatus: cellsSchema("vitalStatus").optional(),
});
export type Breakdowns = z.infer<typeof Breakdowns>;
/** The cells of one kind, by cell. */
export type BreakdownCells = Readonly<Record<string, number>>;

/** The breakdowns a query asks for: each kind at most once. */
export const RequestedBreakdowns = z
  .array(BreakdownKind)
  .max(BREAKDOWN_KINDS.length)
  .refine((kinds) => new Set(kinds).size === kinds.length, { message: "a breakdown is named at most once" })
  .meta({ uniqueItems: true, description: "SHRINE's breakdown result types wanted beside the count, each at most once; none when absent" });
