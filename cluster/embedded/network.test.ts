import { describe, expect, it } from "vitest";
import { comparePrecedence } from "../../shared/apply/precedence.ts";
import type { ResultState } from "../../shared/protocol/items.ts";
import { SeededRandom } from "../../shared/time/seededRandom.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { PROFILES } from "../../node-agent/profile.ts";
import { ObservedSite } from "../../node-agent/testing/observedSite.ts";
import { EmbeddedNetwork } from "./network.ts";

const NEVER_FAILS = (name: keyof typeof PROFILES) => ({ ...PROFILES[name], failure: { ...PROFILES[name].failure, chance: 0 } });

const DEFINITIONS = [
  { panels: [{ concepts: ["dx:E11.9"] }] },
  {
    panels: [{ concepts: ["dx:E11.9", "dx:E10.9"] }, { concepts: ["rx:metformin"], not: true }],
    age: { min: 40, max: 65 },
    sex: "F" as const,
  },
  { panels: [{ concepts: ["dx:I10"] }] },
  { panels: [{ concepts: ["dx:E10.9"] }], age: { min: 90 } },
];

describe("the embedded network under duplicated and reordered delivery", () => {
  it("completes every result with the node's obfuscated count, and no view ever regresses", async () => {
    const clock = new VirtualClock();
    const observed = new ObservedSite();
    const network = await EmbeddedNetwork.start({
      clock,
      random: new SeededRandom(20261123),
      nodes: (["fast", "steady", "slow", "flaky", "busy"] as const).map((p, i) => ({
        nodeId: `hospital-${"abcde"[i]}`,
        profile: NEVER_FAILS(p),
      })),
      faults: { all: { duplicate: { probability: 0.3, maxLagMs: 2_000 }, reorder: { probability: 0.5, windowMs: 3_000 } } },
      populationSize: 5_000,
      heartbeatMs: 1_000,
      observer: observed,
    });
    const { view } = network.hub;
    const seen = new Map<string, ResultState>();
    const regressions: string[] = [];
    view.onChange((c) => {
      if (c.kind !== "result") return;
      const before = seen.get(c.state.id);
      if (before && comparePrecedence("result", c.state, before) <= 0) regressions.push(c.state.id);
      seen.set(c.state.id, c.state as ResultState);
    });

    const ids: string[] = [];
    for (const definition of DEFINITIONS) {
      ids.push(await network.hub.desk.submit({ definition, researcherId: "dr-test" }));
      await clock.advance(500);
    }
    const done = await clock.runWhile(() => ids.some((id) => view.get(id)?.status !== "done"), 30 * 60_000);
    expect(done).toBe(true);

    for (const id of ids) {
      const q = view.get(id);
      expect(q?.nodes).toHaveLength(5);
      for (const row of q?.nodes ?? []) {
        expect(row.status).toBe("completed");
        const truth = observed.truth(`${id}:${row.nodeId}`);
        expect(truth?.finalStatus).toBe("completed");
        expect(row.count).toBe(truth?.reportedCount);
      }
      const counts = (q?.nodes ?? []).map((n) => n.count as number);
      expect(q?.summary.totalCount).toBe(counts.filter((c) => c >= 0).reduce((a, b) => a + b, 0));
      expect(q?.summary.completed).toBe(5);
    }
    expect(regressions).toEqual([]);
    expect(await network.hub.metrics.outcomeCount("duplicate")).toBeGreaterThan(0);
    expect(network.broker.stats().duplicatedByFault).toBeGreaterThan(0);
    await network.stop();
  });
});

describe("the embedded network with API tokens (npm start off loopback)", () => {
  it("answers a write without a bearer token 401, and accepts it with one", async () => {
    const token = "a-token-of-at-least-16-chars";
    const network = await EmbeddedNetwork.start({
      clock: new VirtualClock(),
      random: new SeededRandom(10),
      nodes: [{ nodeId: "site-1", profile: "fast" }],
      tokens: [token],
    });
    const post = (headers: Record<string, string>) =>
      network.hub.api.inject({
        method: "POST",
        url: "/api/queries",
        payload: { definition: { panels: [{ concepts: ["dx:E11.9"] }] } },
        headers: { "content-type": "application/json", ...headers },
      });
    expect((await post({})).statusCode).toBe(401);
    expect((await post({ authorization: `Bearer ${token}` })).statusCode).toBe(202);
    await network.stop();
  });
});
