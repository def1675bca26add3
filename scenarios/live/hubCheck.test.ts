import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EmbeddedNetwork } from "../../cluster/embedded/network.ts";
import { type HubPolicy, hubPlanner } from "../../shared/apply/policy.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import { SeededRandom } from "../../shared/time/seededRandom.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { LIVE_INVARIANTS } from "../check/live.ts";
import { main } from "../cli.ts";

const TOKEN = "a-token-of-at-least-16-chars";
const SITES = ["hospital-a", "hospital-b"];
const QUERIES = 3;

/**
 * What `npm start` runs, small and fast, on a free port: each site under a duplicate live fault
 * that strikes every message, and a few queries run to the end (their duplicates delivered too).
 */
async function startHub(policy: HubPolicy): Promise<{ network: EmbeddedNetwork; url: string }> {
  const network = await EmbeddedNetwork.start({
    clock: systemClock,
    random: new SeededRandom(17),
    store: new MemoryStore({ clock: systemClock, planner: hubPlanner(policy) }),
    prefix: `qnet-hubcheck-${policy}-${process.pid}`,
    nodes: SITES.map((nodeId) => ({ nodeId, profile: "fast" as const })),
    populationSize: 1_000,
    heartbeatMs: 1_000,
    timeScale: 0.05,
    tokens: [TOKEN],
    liveFaults: true,
    policy,
  });
  const url = await network.hub.api.listen({ host: "127.0.0.1", port: 0 });
  for (const nodeId of SITES) {
    const added = await fetch(`${url}/api/faults`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ kind: "duplicate", nodeId, for: 600_000, probability: 1, maxLagMs: 50 }),
    });
    expect(added.status).toBe(201);
  }
  // The control messages reach the sites before any query does.
  await new Promise((r) => setTimeout(r, 200));
  const { view, desk } = network.hub;
  const ids: string[] = [];
  for (let i = 0; i < QUERIES; i++) ids.push(await desk.submit({ definition: { panels: [{ concepts: ["dx:E11.9"] }] } }));
  while (ids.some((id) => view.get(id)?.status !== "done")) await new Promise((r) => setTimeout(r, 50));
  // The last duplicates arrive at most maxLagMs after their originals.
  await new Promise((r) => setTimeout(r, 300));
  return { network, url };
}

let out: string[];
beforeEach(() => {
  out = [];
  vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
});
afterEach(() => vi.restoreAllMocks());

describe("npm run scenario -- check --hub URL", () => {
  it("passes on a healthy hub and fails, naming history-unique, on a naive one, both under duplicate delivery", async () => {
    const healthy = await startHub("versioned");
    try {
      expect(await main(["check", "--hub", healthy.url, "--watch", "0.5", "--queries", "10"])).toBe(0);
    } finally {
      await healthy.network.stop();
    }
    expect(out.some((l) => l.startsWith(`${QUERIES} queries, `))).toBe(true);
    for (const invariant of LIVE_INVARIANTS) expect(out).toContain(`holds   ${invariant}`);
    expect(out.at(-1)).toBe("every live invariant holds");

    out = [];
    const naive = await startHub("naive");
    try {
      expect(await main(["check", "--hub", naive.url, "--watch", "0.5", "--queries", "10"])).toBe(1);
    } finally {
      await naive.network.stop();
    }
    expect(out.some((l) => /^BROKEN {2}history-unique \(\d+\)$/.test(l))).toBe(true);
    expect(out.at(-1)).toMatch(/^broken: .*history-unique/);
  }, 120_000);
});
