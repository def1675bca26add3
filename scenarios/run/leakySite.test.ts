import { describe, expect, it } from "vitest";
import { parseScenario } from "../schema.ts";
import { runScenario } from "./runner.ts";

describe("a run with a site that sends true numbers", () => {
  it("fails obfuscation-bounds on that site's cells and parameters, and on no other site's", async () => {
    const scenario = parseScenario({
      name: "leaky-site",
      description: "one site set to blur nothing",
      seed: 41,
      nodes: [
        { nodeId: "site-a", profile: "fast", failureChance: 0 },
        { nodeId: "site-b", profile: "fast", failureChance: 0, obfuscation: { binSize: 1, stdDev: 0, noiseClamp: 0, lowLimit: 0 } },
      ],
      populationSize: 3_000,
      queries: [
        { at: 0, definition: { panels: [{ concepts: ["dx:E11.9"] }], breakdowns: ["sex", "age", "race", "vitalStatus"] } },
        { at: 1_000, definition: { panels: [{ concepts: ["dx:I10"] }], breakdowns: ["age"] } },
      ],
    });
    const { verdict } = await runScenario(scenario);
    expect(verdict.ok).toBe(false);
    const broken = verdict.violations.filter((v) => v.invariant === "obfuscation-bounds");
    expect(broken.every((v) => v.item.endsWith(":site-b"))).toBe(true);
    expect(broken.filter((v) => /obfuscates less than the network allows/.test(v.message))).toHaveLength(2);
    // Its own parameters kept, its true cells are within them: the network's least is what catches it.
    expect(broken.filter((v) => / cell /.test(v.message))).toEqual([]);
    expect(verdict.violations.filter((v) => v.invariant !== "obfuscation-bounds")).toEqual([]);
  }, 60_000);
});
