import { describe, expect, it } from "vitest";
import { replicasPossible } from "./run/replicaSet.ts";
import { runSwarm, swarmFailed, swarmScenario } from "./swarm.ts";

describe("swarm", () => {
  it("draws the same fault mix from the same seed and different mixes from different seeds", () => {
    expect(swarmScenario(7)).toEqual(swarmScenario(7));
    const mixes = new Set(Array.from({ length: 10 }, (_, i) => JSON.stringify(swarmScenario(i).faults)));
    expect(mixes.size).toBe(10);
  });

  it("draws queries with breakdowns and without", () => {
    const asked = Array.from({ length: 20 }, (_, i) => swarmScenario(i).queries.map((q) => q.definition.breakdowns ?? []));
    expect(asked.flat().filter((b) => b.length === 0).length).toBeGreaterThan(5);
    const kindSets = new Set(asked.flat().flatMap((b) => (b.length > 0 ? [b.join()] : [])));
    expect(kindSets.size).toBeGreaterThan(5);
  });

  it("draws replicas only where a run can have them: in simulation, or on a real broker over PostgreSQL", () => {
    const seeds = Array.from({ length: 30 }, (_, i) => i);
    expect(seeds.some((s) => swarmScenario(s).hubs > 1)).toBe(true);
    const single = seeds.map((s) => swarmScenario(s, { replicas: false }));
    expect(single.filter((s) => s.hubs !== 1 || s.faults.some((f) => f.kind === "replicaCrash"))).toEqual([]);
    expect([
      replicasPossible("memory", "memory"),
      replicasPossible("amqp", "postgres"),
      replicasPossible("amqp", "memory"),
      replicasPossible("nats", "pglite"),
    ]).toEqual([true, true, false, false]);
  });

  it("passes ten seeds", async () => {
    const runs = await runSwarm({ runs: 10, firstSeed: 1000 });
    expect(runs.filter(swarmFailed).map((r) => ({ seed: r.seed, error: r.error, ce: r.result?.verdict.counterexample }))).toEqual([]);
  });

  it("passes a few seeds on PGlite, each with the trace it has on the memory store", async () => {
    const onPglite = await runSwarm({ runs: 3, firstSeed: 2000, run: { store: "pglite" } });
    const onMemory = await runSwarm({ runs: 3, firstSeed: 2000 });
    expect(onPglite.filter(swarmFailed).map((r) => ({ seed: r.seed, error: r.error, ce: r.result?.verdict.counterexample }))).toEqual([]);
    expect(onPglite.map((r) => r.result?.trace)).toEqual(onMemory.map((r) => r.result?.trace));
  });
});
