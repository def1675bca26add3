import { describe, expect, it } from "vitest";
import { QueryDefinition, StrictQueryDefinition } from "./definition.ts";

/** Unknown fields at each depth: the definition, a panel, the age filter. */
const WITH_EXTRAS = {
  panels: [{ concepts: ["dx:E11.9"], nott: true }],
  age: { min: 40, mx: 65 },
  sex: "F",
  sexx: "M",
};

describe("a query definition", () => {
  it("as a message carries it, ignores unknown fields at every depth, as PROTOCOL.md has receivers do", () => {
    expect(QueryDefinition.parse(WITH_EXTRAS)).toEqual({ panels: [{ concepts: ["dx:E11.9"] }], age: { min: 40 }, sex: "F" });
  });

  it("as a researcher submits it, refuses every unknown field, each where it stands", () => {
    const parsed = StrictQueryDefinition.safeParse(WITH_EXTRAS);
    expect(parsed.success).toBe(false);
    const unknown = parsed.error?.issues.map((i) => (i.code === "unrecognized_keys" ? [...i.path, ...i.keys].join(".") : undefined));
    expect(unknown?.sort()).toEqual(["age.mx", "panels.0.nott", "sexx"]);
  });

  it("keeps the same rules in both readings", () => {
    const negatedOnly = { panels: [{ concepts: ["dx:E11.9"], not: true }] };
    expect(QueryDefinition.safeParse(negatedOnly).success).toBe(false);
    expect(StrictQueryDefinition.safeParse(negatedOnly).success).toBe(false);
    const valid = {
      panels: [{ concepts: ["dx:E11.9", "dx:E10.9"] }, { concepts: ["rx:metformin"], not: true }],
      age: { min: 40, max: 65 },
    };
    expect(StrictQueryDefinition.parse(valid)).toEqual(QueryDefinition.parse(valid));
  });
});
