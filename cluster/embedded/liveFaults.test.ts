import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../shared/time/seededRandom.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { FaultListBody, FaultWindowBody } from "../../hub/http/faults.ts";
import { EmbeddedNetwork } from "./network.ts";

const TOKEN = "a-token-of-at-least-16-chars";
const bearer = { authorization: `Bearer ${TOKEN}` };
const auth = { ...bearer, "content-type": "application/json" };

async function startNetwork(clock: VirtualClock): Promise<EmbeddedNetwork> {
  return EmbeddedNetwork.start({
    clock,
    random: new SeededRandom(17),
    nodes: [
      { nodeId: "hospital-a", profile: "fast" },
      { nodeId: "hospital-b", profile: "fast" },
    ],
    populationSize: 1_000,
    heartbeatMs: 1_000,
    tokens: [TOKEN],
    liveFaults: true,
  });
}

describe("live faults through /api/faults on the embedded network", () => {
  it("crashes a site for its window, starts it again at its end, and records the window", async () => {
    const clock = new VirtualClock();
    const network = await startNetwork(clock);
    const { api } = network.hub;
    const add = await api.inject({
      method: "POST",
      url: "/api/faults",
      headers: auth,
      payload: { kind: "nodeCrash", nodeId: "hospital-b", for: 10_000 },
    });
    expect(add.statusCode).toBe(201);
    const window = FaultWindowBody.parse(add.json());
    expect(add.headers.location).toBe(`/api/faults/${window.id}`);
    expect(window).toMatchObject({ kind: "nodeCrash", nodeId: "hospital-b", label: "crash", ended: null, endedAt: null });

    expect(await clock.runWhile(() => network.agents.has("hospital-b"), 5_000)).toBe(true);
    expect(network.agents.has("hospital-a")).toBe(true);
    expect(await clock.runWhile(() => !network.agents.has("hospital-b"), 20_000)).toBe(true);
    expect(clock.now() - Date.parse(window.startedAt)).toBeGreaterThanOrEqual(10_000);

    const list = FaultListBody.parse((await api.inject({ url: "/api/faults" })).json());
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ id: window.id, ended: "expired" });
    expect(list.kinds).toEqual(["latency", "duplicate", "reorder", "partition", "nodeCrash"]);
    await network.stop();
  });

  it("delays what a site publishes under latency, until the fault is removed", async () => {
    const clock = new VirtualClock();
    const network = await startNetwork(clock);
    const { api, view, desk } = network.hub;
    const add = await api.inject({
      method: "POST",
      url: "/api/faults",
      headers: auth,
      payload: { kind: "latency", nodeId: "hospital-a", for: 3_600_000, baseMs: 30_000 },
    });
    const window = FaultWindowBody.parse(add.json());
    await clock.advance(100);
    const slowed = await desk.submit({ definition: { panels: [{ concepts: ["dx:E11.9"] }] } });
    const rowOf = (id: string, nodeId: string) => view.get(id)?.nodes.find((n) => n.nodeId === nodeId)?.status;
    expect(await clock.runWhile(() => rowOf(slowed, "hospital-b") !== "completed", 60_000)).toBe(true);
    expect(rowOf(slowed, "hospital-a")).not.toBe("completed");
    const before = clock.now();

    const removed = await api.inject({ method: "DELETE", url: `/api/faults/${window.id}`, headers: bearer });
    expect(removed.statusCode).toBe(200);
    expect(FaultWindowBody.parse(removed.json())).toMatchObject({ ended: "removed" });
    const quick = await desk.submit({ definition: { panels: [{ concepts: ["dx:E11.9"] }] } });
    // What was in transit when it was removed still arrives late; what is published after is not held.
    expect(await clock.runWhile(() => rowOf(quick, "hospital-a") !== "completed", 600_000)).toBe(true);
    expect(clock.now() - before).toBeLessThan(30_000);
    // What was held up before the removal arrives late, then the network stops with nothing in transit.
    await clock.advance(60_000);
    await network.stop();
  });

  it("refuses a write without a token, an unknown site, an unknown field and an unknown fault", async () => {
    const clock = new VirtualClock();
    const network = await startNetwork(clock);
    const { api } = network.hub;
    const post = (payload: object, headers: Record<string, string> = auth) =>
      api.inject({ method: "POST", url: "/api/faults", headers, payload });
    expect((await post({ kind: "latency", nodeId: "hospital-a", for: 1_000, baseMs: 10 }, {})).statusCode).toBe(401);
    const unknownSite = await post({ kind: "partition", nodeId: "hospital-z", for: 1_000 });
    expect(unknownSite.statusCode).toBe(400);
    expect(unknownSite.json().issues).toEqual([{ path: "nodeId", message: "unknown node hospital-z" }]);
    const extra = await post({ kind: "partition", nodeId: "hospital-a", for: 1_000, loud: true });
    expect(extra.json().issues).toEqual([{ path: "loud", message: 'unknown field "loud"' }]);
    expect((await post({ kind: "hubCrash", nodeId: "hospital-a", for: 1_000 })).statusCode).toBe(400);
    expect((await post({ kind: "latency", nodeId: "hospital-a", for: 0, baseMs: 10 })).statusCode).toBe(400);
    const missing = await api.inject({ method: "DELETE", url: "/api/faults/3f0a3a44-0d0e-4a53-9d5e-111111111111", headers: bearer });
    expect(missing.statusCode).toBe(404);
    expect((await api.inject({ method: "DELETE", url: "/api/faults/3f0a3a44-0d0e-4a53-9d5e-111111111111" })).statusCode).toBe(401);
    await network.stop();
  });
});
