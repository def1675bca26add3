import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../shared/log.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { type ScriptedSites, startScriptedSites } from "../testing/scriptedSites.ts";
import { type ApiDeps, buildApi } from "./app.ts";
import { NodeListBody, QueryListBody, QueryViewBody, SubmittedBody, ValidationErrorBody } from "./responses.ts";

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
    expect(paths).toContain("(root)");
    const unknownNode = ValidationErrorBody.parse((await post(api, { definition: DEFINITION, nodeIds: ["site-9"] })).json());
    expect(unknownNode.issues).toEqual([{ path: "nodeIds", message: "unknown node(s): site-9" }]);
    expect(
      (await api.inject({ method: "POST", url: "/api/queries", payload: "{nope", headers: { "content-type": "application/json" } }))
        .statusCode,
    ).toBe(400);
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

  it("serves an OpenAPI 3.1 document generated from the schemas", async () => {
    const doc = (await api.inject({ url: "/api/openapi.json" })).json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/queries", "/api/queries/{id}", "/api/nodes", "/api/events", "/metrics", "/healthz", "/readyz", "/"]),
    );
    const schemas = doc.components.schemas;
    expect(schemas.SubmitQuery.required).toEqual(["definition"]);
    expect(schemas.QueryView.properties.nodes.items.properties.countDisplay).toBeDefined();
    expect(schemas.NodeRow.properties.status.enum).toContain("timedOut");
    expect(doc.paths["/api/queries"].get.parameters.map((p: { name: string }) => p.name)).toEqual(["offset", "limit"]);
    expect(doc.paths["/api/queries"].post.responses).toHaveProperty("413");
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
    const doc = (await guarded.inject({ url: "/api/openapi.json" })).json();
    expect(doc.paths["/api/queries"].post.security).toEqual([{ bearer: [] }]);
    await guarded.close();
  });
});
