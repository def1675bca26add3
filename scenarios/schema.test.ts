import { describe, expect, it } from "vitest";
import { INVARIANTS } from "./check/invariants.ts";
import { InvalidScenarioError, parseScenario } from "./schema.ts";

const base = {
  name: "x",
  description: "a test",
  seed: 1,
  nodes: [{ nodeId: "site-a", profile: "fast" }],
  queries: [{ at: 0 }],
};

describe("scenario validation", () => {
  it("fills in the defaults", () => {
    const s = parseScenario(base);
    expect(s.transport).toBe("memory");
    expect(s.policy).toBe("versioned");
    expect(s.queries[0]?.definition.panels.length).toBe(1);
    expect(s.invariants).toEqual([...INVARIANTS]);
  });

  it("names the field at fault", () => {
    const bad = { ...base, faults: [{ kind: "duplicate", at: 0, for: 10, probability: 2 }] };
    expect(() => parseScenario(bad)).toThrow(InvalidScenarioError);
    expect(() => parseScenario(bad)).toThrow(/faults\.0\.probability/);
    expect(() => parseScenario({ ...base, faults: [{ kind: "nodeCrash", at: 0, for: 10, nodeId: "nowhere" }] })).toThrow(
      /faults\.0\.nodeId: no node nowhere/,
    );
    expect(() => parseScenario({ ...base, faults: [{ kind: "meteor", at: 0, for: 1 }] })).toThrow(/faults\.0\.kind/);
    expect(() => parseScenario({ ...base, seed: -1 })).toThrow(/seed/);
  });
});

describe("hub replicas", () => {
  it("are one by default; a replica crash names a replica the scenario has, and a hub crash needs one hub", () => {
    expect(parseScenario(base).hubs).toBe(1);
    const crash = (replica: number) => ({ kind: "replicaCrash", at: 0, for: 10, replica });
    expect(parseScenario({ ...base, hubs: 3, faults: [crash(2)] }).faults[0]).toMatchObject({ replica: 2 });
    expect(() => parseScenario({ ...base, hubs: 2, faults: [crash(2)] })).toThrow(
      /faults\.0\.replica: no hub replica 2 in a scenario of 2/,
    );
    expect(() => parseScenario({ ...base, hubs: 2, faults: [{ kind: "hubCrash", at: 0, for: 10 }] })).toThrow(
      /faults\.0\.kind: with hub replicas/,
    );
    expect(() => parseScenario({ ...base, hubs: 0 })).toThrow(/hubs/);
    expect(() => parseScenario({ ...base, hubs: 6 })).toThrow(/hubs/);
  });
});

describe("the rules a scenario exercises", () => {
  it("are none by default, each a rule of the protocol, each named once", () => {
    expect(parseScenario(base).exercises).toEqual([]);
    expect(parseScenario({ ...base, exercises: ["rebased", "late-final"] }).exercises).toEqual(["rebased", "late-final"]);
    expect(() => parseScenario({ ...base, exercises: ["rebase"] })).toThrow(/exercises\.0/);
    expect(() => parseScenario({ ...base, exercises: ["timedOut", "timedOut"] })).toThrow(/exercises: each rule once/);
  });
});
