import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BREAKDOWN_KINDS, cellsOf } from "../shared/protocol/breakdowns.ts";
import type { QueryDefinition } from "../shared/protocol/definition.ts";
import { RACES, VITAL_STATUSES } from "./demographics.ts";
import { countMatching, evaluate } from "./evaluate.ts";
import { type PatientRecord, populationOf } from "./population.ts";

const patients: PatientRecord[] = [
  { age: 45, sex: "F", concepts: ["dx:E11.9", "rx:metformin", "dx:I10"], race: "black" }, // 0
  { age: 62, sex: "M", concepts: ["dx:E11.9", "dx:I10"], race: "white", vitalStatus: "deceased" }, // 1
  { age: 30, sex: "F", concepts: ["dx:E10.9", "rx:insulin-glargine"], race: "asian" }, // 2
  { age: 70, sex: "F", concepts: ["dx:I10"], race: "white", vitalStatus: "notRecorded" }, // 3
  { age: 12, sex: "M", concepts: ["dx:J45.909"] }, // 4
  { age: 55, sex: "M", concepts: ["dx:E11.9", "rx:metformin"], race: "white" }, // 5
  { age: 40, sex: "F", concepts: [] }, // 6
];
const population = populationOf(patients);
const count = (definition: QueryDefinition) => evaluate(population, definition);

describe("evaluate", () => {
  it("ORs the concepts of a panel", () => {
    expect(count({ panels: [{ concepts: ["dx:E11.9"] }] })).toBe(3);
    expect(count({ panels: [{ concepts: ["dx:E11.9", "dx:E10.9"] }] })).toBe(4);
  });

  it("ANDs panels", () => {
    expect(count({ panels: [{ concepts: ["dx:E11.9"] }, { concepts: ["dx:I10"] }] })).toBe(2);
  });

  it("excludes a negated panel", () => {
    expect(count({ panels: [{ concepts: ["dx:E11.9", "dx:E10.9"] }, { concepts: ["rx:metformin"], not: true }] })).toBe(2);
  });

  it("filters by age, both bounds included, and by sex", () => {
    expect(count({ panels: [{ concepts: ["dx:E11.9"] }], age: { min: 45, max: 55 } })).toBe(2);
    expect(count({ panels: [{ concepts: ["dx:I10"] }], age: { min: 62 } })).toBe(2);
    expect(count({ panels: [{ concepts: ["dx:I10"] }], age: { max: 45 } })).toBe(1);
    expect(count({ panels: [{ concepts: ["dx:I10"] }], sex: "F" })).toBe(2);
    expect(count({ panels: [{ concepts: ["dx:I10"] }], sex: "M" })).toBe(1);
    expect(
      count({
        panels: [{ concepts: ["dx:E11.9", "dx:E10.9"] }, { concepts: ["rx:metformin"], not: true }],
        age: { min: 40, max: 65 },
        sex: "F",
      }),
    ).toBe(0);
  });

  it("matches nobody for an unknown concept, and a negated unknown excludes nobody", () => {
    expect(count({ panels: [{ concepts: ["dx:UNKNOWN"] }] })).toBe(0);
    expect(count({ panels: [{ concepts: ["dx:I10"] }, { concepts: ["dx:UNKNOWN"], not: true }] })).toBe(3);
  });

  it("counts the matching patients into the cells of each breakdown asked for, and no other", () => {
    const diabetes = { panels: [{ concepts: ["dx:E11.9", "dx:I10"] }] };
    expect(countMatching(population, diabetes)).toEqual({ count: 4 });
    expect(countMatching(population, { ...diabetes, breakdowns: ["vitalStatus", "sex"] })).toEqual({
      count: 4,
      breakdowns: { sex: { female: 2, male: 2 }, vitalStatus: { living: 2, deceased: 1, notRecorded: 1 } },
    });
    const all = countMatching(population, { ...diabetes, breakdowns: ["age", "race"], sex: "M" });
    expect(all.breakdowns?.age).toEqual({
      "0-9": 0,
      "10-17": 0,
      "18-34": 0,
      "35-44": 0,
      "45-54": 0,
      "55-64": 2,
      "65-74": 0,
      "75-84": 0,
      "85+": 0,
    });
    expect(all.breakdowns?.race).toMatchObject({ white: 2, black: 0, unknown: 0 });
    // The kinds in their own order whatever order they were asked in, and every cell of each.
    expect(Object.keys(countMatching(population, { ...diabetes, breakdowns: [...BREAKDOWN_KINDS].reverse() }).breakdowns ?? {})).toEqual(
      BREAKDOWN_KINDS,
    );
  });

  it("agrees with a patient-by-patient reading on any population and query", () => {
    const concepts = ["dx:A", "dx:B", "dx:C", "rx:D", "lab:E"];
    const patient = fc.record({
      age: fc.integer({ min: 0, max: 99 }),
      sex: fc.constantFrom("F" as const, "M" as const),
      concepts: fc.subarray(concepts),
      race: fc.constantFrom(...RACES),
      vitalStatus: fc.constantFrom(...VITAL_STATUSES),
    });
    const panel = fc.record({ concepts: fc.subarray([...concepts, "dx:ZZZ"], { minLength: 1 }), not: fc.boolean() });
    const definition = fc
      .record({
        panels: fc.array(panel, { minLength: 1, maxLength: 4 }),
        age: fc.option(fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 })), { nil: undefined }),
        sex: fc.option(fc.constantFrom("F" as const, "M" as const), { nil: undefined }),
        breakdowns: fc.subarray(BREAKDOWN_KINDS),
      })
      .map(({ panels, age, sex, breakdowns }): QueryDefinition => {
        const d: QueryDefinition = { panels: [{ concepts: panels[0]!.concepts }, ...panels.slice(1)] };
        if (age) d.age = { min: Math.min(...age), max: Math.max(...age) };
        if (sex) d.sex = sex;
        if (breakdowns.length > 0) d.breakdowns = breakdowns;
        return d;
      });
    /** A patient's cell in each kind, read off the record: what the bitset work must agree with. */
    const cellOf = {
      sex: (r: PatientRecord) => (r.sex === "F" ? "female" : "male"),
      age: (r: PatientRecord) => cellsOf("age")[[9, 17, 34, 44, 54, 64, 74, 84].filter((max) => r.age > max).length] as string,
      race: (r: PatientRecord) => r.race as string,
      vitalStatus: (r: PatientRecord) => r.vitalStatus as string,
    };
    fc.assert(
      fc.property(fc.array(patient, { maxLength: 150 }), definition, (records, d) => {
        const matching = records.filter(
          (r) =>
            d.panels.every((p) => p.concepts.some((c) => r.concepts.includes(c)) !== Boolean(p.not)) &&
            (d.sex === undefined || r.sex === d.sex) &&
            (d.age?.min === undefined || r.age >= d.age.min) &&
            (d.age?.max === undefined || r.age <= d.age.max),
        );
        const answer = countMatching(populationOf(records), d);
        expect(evaluate(populationOf(records), d)).toBe(matching.length);
        expect(answer.count).toBe(matching.length);
        for (const kind of d.breakdowns ?? []) {
          const expected = Object.fromEntries(cellsOf(kind).map((cell) => [cell, matching.filter((r) => cellOf[kind](r) === cell).length]));
          expect(answer.breakdowns?.[kind]).toEqual(expected);
        }
        expect(Object.keys(answer.breakdowns ?? {}).length).toBe(d.breakdowns?.length ?? 0);
      }),
    );
  });
});
