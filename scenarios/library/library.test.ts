import { describe, expect, it } from "vitest";
import { RULES } from "../check/rules.ts";
import { runScenario } from "../run/runner.ts";
import { LIBRARY, findScenario } from "./index.ts";
import { uncounted } from "./testing/faultCounts.ts";

describe("the scenario library on the memory broker", () => {
  it("ships at least ten named scenarios with distinct names", () => {
    expect(LIBRARY.length).toBeGreaterThanOrEqual(10);
    expect(new Set(LIBRARY.map((s) => s.name)).size).toBe(LIBRARY.length);
  });

  for (const scenario of LIBRARY) {
    it(`${scenario.name} holds every invariant with its seed, each of its faults counts what it did, and PGlite gives the same trace`, async () => {
      const result = await runScenario(scenario);
      expect(result.verdict.violations).toEqual([]);
      expect(result.verdict.ok).toBe(true);
      expect(result.history.applied.length).toBeGreaterThan(0);
      expect(uncounted(result)).toEqual({ silentKinds: [], unknownActions: [] });
      const onPglite = await runScenario(scenario, { store: "pglite" });
      expect(onPglite.verdict.violations).toEqual([]);
      expect(onPglite.trace).toBe(result.trace);
    });
  }

  it("gives the same trace hash for the same seed, and another for another seed", async () => {
    const scenario = findScenario("everything-at-once");
    if (!scenario) throw new Error("missing scenario");
    const a = await runScenario(scenario);
    const b = await runScenario(scenario);
    const c = await runScenario(scenario, { seed: scenario.seed + 1 });
    expect(a.trace).toMatch(/^[0-9a-f]{16}$/);
    expect(b.trace).toBe(a.trace);
    expect(c.trace).not.toBe(a.trace);
  });
});

describe("the rules a scenario exercises", () => {
  it("between them, the shipped scenarios exercise every rule of the protocol's sections 2 and 3", () => {
    const exercised = new Set(LIBRARY.flatMap((s) => s.exercises));
    expect(RULES.filter((r) => !exercised.has(r))).toEqual([]);
  });

  it("fail the run, naming the rule, when one of them never fires", async () => {
    const scenario = findScenario("latency-jitter");
    if (!scenario) throw new Error("missing scenario");
    const result = await runScenario({ ...scenario, exercises: ["applied-late", "rebased"] });
    expect(result.rules["applied-late"]).toBeGreaterThan(0);
    expect(result.rules.rebased).toBe(0);
    expect(result.verdict.ok).toBe(false);
    expect(result.verdict.violations).toEqual([
      {
        invariant: "exercises",
        item: "latency-jitter",
        message: "scenario latency-jitter exists to exercise the rule rebased, but it never fired in this run",
      },
    ]);
    expect(result.verdict.counterexample?.invariant).toBe("exercises");
  });
});

describe("the naive apply policy", () => {
  it("is caught on duplicate-reorder, with a counterexample naming the item and where the hub left the model", async () => {
    const scenario = findScenario("duplicate-reorder");
    if (!scenario) throw new Error("missing scenario");
    const result = await runScenario(scenario, { policy: "naive" });
    expect(result.verdict.ok).toBe(false);
    const ce = result.verdict.counterexample;
    expect(ce?.invariant).toBe("model-agrees");
    expect(ce?.item).toMatch(/^[0-9a-f-]{36}:hospital-[abc]$/);
    expect(ce?.message).toContain(ce?.item as string);
    expect(ce?.message).toMatch(/the hub decided applied, stores v\d+, .*; the model decides (duplicate|applied-late)/);
    const broken = new Set(result.verdict.violations.map((v) => v.invariant));
    expect(broken).toContain("no-regression");
    expect(broken).toContain("stored-once");
  });
});
