import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { QueryDefinition } from "../shared/protocol/definition.ts";
import { evaluate } from "./evaluate.ts";
import { type PatientRecord, populationOf } from "./population.ts";

const patients: PatientRecord[] = [
  { age: 45, sex: "F", concepts: ["dx:E11.9", "rx:metformin", "dx:I10"] }, // 0
  { age: 62, sex: "M", concepts: ["dx:E11.9", "dx:I10"] }, // 1
  { age: 30, sex: "F", concepts: ["dx:E10.9", "rx:insulin-glargine"] }, // 2
  { age: 70, sex: "F", concepts: ["dx:I10"] }, // 3
  { age: 12, sex: "M", concepts: ["dx:J45.909"] }, // 4
  { age: 55, sex: "M", concepts: ["dx:E11.9", "rx:metformin"] }, // 5
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

  it("agrees with a patient-by-patient reading on any population and query", () => {
    const concepts = ["dx:A", "dx:B", "dx:C", "rx:D", "lab:E"];
    const patient = fc.record({
      age: fc.integer({ min: 0, max: 99 }),
      sex: fc.constantFrom("F" as const, "M" as const),
      concepts: fc.subarray(concepts),
    });
    const panel = fc.record({ concepts: fc.subarray([...concepts, "dx:ZZZ"], { minLength: 1 }), not: fc.boolean() });
    const definition = fc
      .record({
        panels: fc.array(panel, { minLength: 1, maxLength: 4 }),
        age: fc.option(fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 })), { nil: undefined }),
        sex: fc.option(fc.constantFrom("F" as const, "M" as const), { nil: undefined }),
      })
      .map(({ panels, age, sex }): QueryDefinition => {
        const d: QueryDefinition = { panels: [{ concepts: panels[0]!.concepts }, ...panels.slice(1)] };
        if (age) d.age = { min: Math.min(...age), max: Math.max(...age) };
        if (sex) d.sex = sex;
        return d;
      });
    fc.assert(
      fc.property(fc.array(patient, { maxLength: 150 }), definition, (records, d) => {
        const expected = records.filter(
          (r) =>
            d.panels.every((p) => p.concepts.some((c) => r.concepts.includes(c)) !== Boolean(p.not)) &&
            (d.sex === undefined || r.sex === d.sex) &&
            (d.age?.min === undefined || r.age >= d.age.min) &&
            (d.age?.max === undefined || r.age <= d.age.max),
        ).length;
        expect(evaluate(populationOf(records), d)).toBe(expected);
      }),
    );
  });
});
