import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../shared/log.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { type ScriptedSites, startScriptedSites } from "../testing/scriptedSites.ts";
import { type ApiDeps, buildApi } from "./app.ts";
import { NodeListBody, QueryHistoryBody, QueryListBody, QueryViewBody, SubmittedBody, ValidationErrorBody } from "./responses.ts";

const TOKEN = "a-token-of-at-least-16-chars";
const DEFINITION = { panels: [{ concepts: ["dx:E11.9"] }] };

let clock: VirtualClock;
let network: ScriptedSites;
let api: FastifyInstance;

/** The hub's parts, for an API built with other settings than the hub's own. */
function deps(extra: Partial<ApiDeps>): ApiDeps {
  const { hub } = network;
  return {
    view: hub.view,
    desk: hub.desk,
    liveness: hub.liveness,
    metrics: hub.metrics,
    store: network.store,
    knownNodes: ["site-1", "site-2"],
    log: silentLogger,
    clock,
    ready: () => true,
    ...extra,
  };
}

beforeAll(async () => {
  clock = new VirtualClock();
  network = await startScriptedSites({ clock, seed: 9, nodeIds: ["site-1", "site-2"], heartbeatMs: 1_000 });
  api = network.hub.api;
});
afterAll(async () => {
  await network.stop();
});

const post = (app: FastifyInstance, body: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: "POST", url: "/api/queries", payload: body as object, headers: { "content-type": "application/json", ...headers } });

describe("the hub API", () => {
  it("accepts a query with 202 and Location, then shows it with one row per site", async () => {
    const res = await post(api, { definition: DEFINITION, researcherId: "dr-who" });
    expect(res.statusCode).toBe(202);
    const { id } = SubmittedBody.parse(res.json());
    expect(res.headers.location).toBe(`/api/queries/${id}`);
    expect(await clock.runWhile(() => network.hub.view.get(id)?.status !== "done", 600_000)).toBe(true);
    const view = QueryViewBody.parse((await api.inject({ url: `/api/queries/${id}` })).json());
    expect(view.researcherId).toBe("dr-who");
    expect(view.nodes.map((n) => [n.nodeId, n.status, n.statusText])).toEqual([
      ["site-1", "completed", "Completed"],
      ["site-2", "completed", "Completed"],
    ]);
    expect(view.summary).toMatchObject({ nodes: 2, completed: 2, failed: 0, pending: 0 });

    const history = QueryHistoryBody.parse((await api.inject({ url: `/api/queries/${id}/history` })).json());
    expect(history.queryId).toBe(id);
    const site1 = history.states.filter((s) => s.nodeId === "site-1").map((s) => s.itemVersion);
    expect(site1.length).toBeGreaterThan(2);
    expect(site1).toEqual(site1.map((_, i) => i + 1));
    expect(history.summary.states).toBe(history.states.length);
  });

  it("pages the list newest first with offset and limit", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(SubmittedBody.parse((await post(api, { definition: DEFINITION })).json()).id);
    const all = QueryListBody.parse((await api.inject({ url: "/api/queries" })).json());
    const first = QueryListBody.parse((await api.inject({ url: "/api/queries?limit=2" })).json());
    const second = QueryListBody.parse((await api.inject({ url: "/api/queries?offset=2&limit=2" })).json());
    expect(first.items.map((q) => q.id)).toEqual([ids[2], ids[1]]);
    expect(first).toMatchObject({ total: all.total, offset: 0, limit: 2 });
    expect(second.items.map((q) => q.id)).toEqual(all.items.slice(2, 4).map((q) => q.id));
    expect((await api.inject({ url: "/api/queries?limit=0" })).statusCode).toBe(400);
    expect((await api.inject({ url: "/api/queries?offset=-1" })).statusCode).toBe(400);
  });

  it("answers 400 naming every issue of a bad body", async () => {
    const res = await post(api, { definition: { panels: [{ concepts: ["not a concept"] }], age: { min: 80, max: 20 } }, extra: 1 });
    expect(res.statusCode).toBe(400);
    const body = ValidationErrorBody.parse(res.json());
    const paths = body.issues.map((i) => i.path);
    expect(paths).toContain("definition.panels.0.concepts.0");
    expect(paths).toContain("definition.age");
    expect(body.issues).toContainEqual({ path: "extra", message: 'unknown field "extra"' });
    const unknownNode = ValidationErrorBody.parse((await post(api, { definition: DEFINITION, nodeIds: ["site-9"] })).json());
    expect(unknownNode.issues).toEqual([{ path: "nodeIds", message: "unknown node(s): site-9" }]);
    expect(
      (await api.inject({ method: "POST", url: "/api/queries", payload: "{nope", headers: { "content-type": "application/json" } }))
        .statusCode,
    ).toBe(400);
  });

  it("refuses an unknown field at any depth of the body, naming its path, and stores nothing", async () => {
    const before = network.hub.view.queryIds().length;
    const cases: [unknown, string][] = [
      [{ definition: { panels: [{ concepts: ["dx:E11.9"], nott: true }] } }, "definition.panels.0.nott"],
      [{ definition: { ...DEFINITION, sexx: "F" } }, "definition.sexx"],
      [{ definition: { ...DEFINITION, age: { min: 40, mx: 65 } } }, "definition.age.mx"],
      [{ definition: { panels: [{ concepts: ["dx:E11.9"] }, { concepts: ["dx:I10"], Not: true }] } }, "definition.panels.1.Not"],
    ];
    for (const [body, path] of cases) {
      const res = await post(api, body);
      expect(res.statusCode, path).toBe(400);
      const key = path.split(".").at(-1);
      expect(ValidationErrorBody.parse(res.json()).issues, path).toEqual([{ path, message: `unknown field "${key}"` }]);
    }
    expect(network.hub.view.queryIds().length).toBe(before);
  });

  it("accepts a concept outside the shared vocabulary and says which concepts no site of it knows", async () => {
    const known = SubmittedBody.parse((await post(api, { definition: { panels: [{ concepts: ["dx:E11.9", "rx:metformin"] }] } })).json());
    expect(known).toMatchObject({ unknownConcepts: [], warnings: [] });

    const res = await post(api, {
      definition: { panels: [{ concepts: ["dx:E11.9", "dx:ZZ99.9"] }, { concepts: ["lab:0000-0", "dx:ZZ99.9"], not: true }] },
    });
    expect(res.statusCode).toBe(202);
    const body = SubmittedBody.parse(res.json());
    expect(body.unknownConcepts).toEqual(["dx:ZZ99.9", "lab:0000-0"]);
    expect(body.warnings).toHaveLength(1);
    expect(body.warnings[0]).toMatch(/^dx:ZZ99\.9, lab:0000-0 are not in the network's shared vocabulary/);
    // Stored as submitted: a site may know more than the shared vocabulary.
    expect(network.hub.view.get(body.id)?.definition.panels[1]?.concepts).toEqual(["lab:0000-0", "dx:ZZ99.9"]);
  });

  it("answers 405 with Allow for a wrong method on a served path, 404 for a path not served", async () => {
    const id = "6d1f3a52-3c1e-4c8e-9d5e-0c2f1b7a9e11";
    const cases: [string, string, string][] = [
      ["DELETE", "/api/queries", "GET, HEAD, POST"],
      ["PUT", `/api/queries/${id}`, "GET, HEAD"],
      ["POST", `/api/queries/${id}/history`, "GET, HEAD"],
      ["POST", "/metrics", "GET, HEAD"],
      ["PATCH", "/api/events?lastEventId=x", "GET, HEAD"],
    ];
    for (const [method, url, allow] of cases) {
      const res = await api.inject({ method: method as "GET", url });
      expect(res.statusCode, `${method} ${url}`).toBe(405);
      expect(res.headers.allow, `${method} ${url}`).toBe(allow);
      expect(res.json().error).toContain(`${method} is not allowed on ${url.split("?")[0]}`);
    }
    expect((await api.inject({ method: "DELETE", url: "/api/nothing-here" })).statusCode).toBe(404);
  });

  it("answers 404 for an unknown query or route, 400 for an id that is not a UUID", async () => {
    const unknown = await api.inject({ url: "/api/queries/6d1f3a52-3c1e-4c8e-9d5e-0c2f1b7a9e11" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: "no query 6d1f3a52-3c1e-4c8e-9d5e-0c2f1b7a9e11" });
    expect((await api.inject({ url: "/api/queries/42" })).statusCode).toBe(400);
    expect((await api.inject({ url: "/api/nothing-here" })).json()).toEqual({ error: "no route GET /api/nothing-here" });
  });

  it("answers 413 for a body over 64 KiB", async () => {
    const huge = { definition: DEFINITION, researcherId: "x".repeat(70 * 1024) };
    const res = await post(api, huge);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toHaveProperty("error");
  });

  it("lists the nodes with their liveness", async () => {
    // Past a heartbeat interval, every site has beaten.
    await clock.advance(1_500);
    const nodes = NodeListBody.parse((await api.inject({ url: "/api/nodes" })).json());
    expect(nodes.items.map((n) => [n.nodeId, n.known, n.alive])).toEqual([
      ["site-1", true, true],
      ["site-2", true, true],
    ]);
  });

  it("exposes the counters and gauges in Prometheus text", async () => {
    const missing = "0e4a8a52-1111-4c8e-9d5e-0c2f1b7a9e11";
    await api.inject({ url: `/api/queries/${missing}` });
    const res = await api.inject({ url: "/metrics" });
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    const text = res.body;
    for (const family of [
      "qnet_apply_outcomes_total",
      "qnet_dead_letters_total",
      "qnet_messages_total",
      "qnet_redeliveries_total",
      "qnet_apply_latency_seconds",
      "qnet_queries",
      "qnet_nodes_connected",
    ]) {
      expect(text).toContain(`# TYPE ${family} `);
    }
    const done = [...network.hub.view.queryIds()].filter((id) => network.hub.view.query(id)?.status === "done").length;
    expect(text).toContain(`qnet_queries{status="done"} ${done}\n`);
    expect(text).toContain(`qnet_nodes_connected ${network.hub.liveness.aliveCount()}\n`);
    expect(text).toMatch(/qnet_apply_latency_seconds_count [1-9]/);
    // The process's own figures, from prom-client.
    for (const family of [
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_heap_size_used_bytes",
      "nodejs_eventloop_lag_seconds",
    ]) {
      expect(text).toContain(`# TYPE ${family} `);
    }
    // HTTP answers by route pattern, method and status: never the raw URL.
    expect(text).toMatch(/qnet_http_request_duration_seconds_count\{method="GET",route="\/api\/queries\/:id",status_code="404"\} [1-9]/);
    expect(text).toMatch(
      /qnet_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/api\/queries",status_code="202"\} \d+/,
    );
    expect(text).not.toContain(missing);
  });

  it("is ready only while broker and store answer", async () => {
    expect((await api.inject({ url: "/healthz" })).statusCode).toBe(200);
    expect((await api.inject({ url: "/readyz" })).json()).toEqual({ status: "ready" });
    const down = buildApi(deps({ ready: async () => false }));
    const broken = buildApi(deps({ ready: () => Promise.reject(new Error("connection refused")) }));
    expect((await down.inject({ url: "/readyz" })).statusCode).toBe(503);
    expect((await broken.inject({ url: "/readyz" })).statusCode).toBe(503);
    await down.close();
    await broken.close();
  });

  it("serves the dashboard page and its modules", async () => {
    const page = await api.inject({ url: "/" });
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toContain('<script type="module" src="/dashboard/app.js">');
    expect((await api.inject({ url: "/dashboard/app.js" })).headers["content-type"]).toMatch(/^text\/javascript/);
    expect((await api.inject({ url: "/dashboard/dashboard.browser.test.ts" })).statusCode).toBe(404);
    expect((await api.inject({ url: "/dashboard/..%2Fhub.ts" })).statusCode).toBe(404);
  });
});

describe("access control with tokens", () => {
  it("answers 401 without a bearer token, 403 with a wrong one, 202 with a right one; reads stay open", async () => {
    const guarded = buildApi(deps({ tokens: [TOKEN] }));
    expect((await post(guarded, { definition: DEFINITION })).statusCode).toBe(401);
    expect((await post(guarded, { definition: DEFINITION }, { authorization: "Bearer wrong-token-wrong-token" })).statusCode).toBe(403);
    expect((await post(guarded, { definition: DEFINITION }, { authorization: "Basic abc" })).statusCode).toBe(401);
    const ok = await post(guarded, { definition: DEFINITION }, { authorization: `Bearer ${TOKEN}` });
    expect(ok.statusCode).toBe(202);
    expect((await guarded.inject({ url: "/api/queries" })).statusCode).toBe(200);
    await guarded.close();
  });
});
