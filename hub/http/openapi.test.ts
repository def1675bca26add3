import { Validator } from "@seriousme/openapi-schema-validator";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../shared/log.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import type { Hub } from "../hub.ts";
import { type ScriptedSites, startScriptedSites } from "../testing/scriptedSites.ts";
import { buildApi } from "./app.ts";
import { DOCS_PREFIX } from "./openapi.ts";

type Operation = {
  security?: unknown[];
  responses?: Record<string, unknown>;
  requestBody?: { content: Record<string, { schema: Schema }> };
};
type Schema = { properties?: Record<string, Schema>; items?: Schema; additionalProperties?: unknown; required?: string[] };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, unknown>> };

/**
 * Every route fastify serves, as "METHOD /path/{param}", read from its route tree. HEAD is left
 * out: fastify adds it to every GET by itself.
 */
function servedRoutes(app: FastifyInstance): string[] {
  const served: string[] = [];
  const segments: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    const node = /^([│ ]*)[└├]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!node) continue;
    segments.length = (node[1] as string).length / 4;
    segments.push(node[2] as string);
    const path = segments.join("").replace(/:(\w+)/g, "{$1}");
    for (const method of (node[3] ?? "").split(", ")) if (method && method !== "HEAD") served.push(`${method} ${path}`);
  }
  return served;
}

const documented = (doc: Document): string[] =>
  Object.entries(doc.paths).flatMap(([path, operations]) => Object.keys(operations).map((m) => `${m.toUpperCase()} ${path}`));

describe("the OpenAPI document and Swagger UI", () => {
  let network: ScriptedSites;
  let hub: Hub;
  let doc: Document;

  beforeAll(async () => {
    network = await startScriptedSites({ clock: new VirtualClock(), seed: 11, nodeIds: ["site-a"] });
    hub = network.hub;
    doc = (await hub.api.inject({ url: "/api/openapi.json" })).json();
  });

  afterAll(async () => {
    await network.stop();
  });

  it("documents every route fastify serves, and only those", () => {
    const served = servedRoutes(hub.api);
    // The walk sees the routes, so an empty or partial walk cannot pass unnoticed.
    expect(served).toEqual(
      expect.arrayContaining([
        "POST /api/queries",
        "GET /api/queries/{id}/history",
        "GET /api/events",
        "GET /metrics",
        "GET /healthz",
        "GET /readyz",
        `GET ${DOCS_PREFIX}`,
      ]),
    );
    // Beneath /docs/ are Swagger UI's own files and its copy of this document, not the API.
    const api = served.filter((r) => !r.split(" ")[1]?.startsWith(`${DOCS_PREFIX}/`));
    expect(documented(doc).sort()).toEqual(api.sort());
  });

  it("is a valid OpenAPI 3.1 document, by the specification's own schema", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    // The check can fail: an answer without its description is not a valid document.
    const broken = structuredClone(doc);
    (broken.paths["/healthz"]?.get as Operation).responses = { 200: {} };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("describes the strict bodies, the 202's concept warnings and the event payloads", () => {
    const body = doc.paths["/api/queries"]?.post?.requestBody?.content["application/json"]?.schema as Schema;
    expect(body.required).toEqual(["definition"]);
    const definition = body.properties?.definition as Schema;
    for (const object of [body, definition, definition.properties?.panels?.items, definition.properties?.age]) {
      expect(object?.additionalProperties).toBe(false);
    }
    expect(doc.paths["/api/queries"]?.post?.responses).toHaveProperty("202.headers.location");
    expect(doc.paths["/api/queries"]?.post?.responses).toHaveProperty("202.content.application/json.schema.properties.unknownConcepts");
    expect(Object.keys(doc.components.schemas ?? {})).toEqual(["QueryEvent", "ResultEvent", "ResetEvent"]);
  });

  it("asks for the bearer token on writes exactly when the hub requires one", async () => {
    expect(doc.components.securitySchemes).toEqual({ bearer: expect.objectContaining({ type: "http", scheme: "bearer" }) });
    expect(doc.paths["/api/queries"]?.post?.security).toEqual([]);
    const guarded = buildApi({
      view: hub.view,
      desk: hub.desk,
      liveness: hub.liveness,
      metrics: hub.metrics,
      store: new MemoryStore({ clock: systemClock }),
      knownNodes: ["site-a"],
      tokens: ["a-token-of-at-least-16-chars"],
      log: silentLogger,
      clock: systemClock,
      ready: () => true,
    });
    const guardedDoc: Document = (await guarded.inject({ url: "/api/openapi.json" })).json();
    await guarded.close();
    for (const [route, operation] of documented(guardedDoc).map((r) => [r, r.split(" ")] as const)) {
      const [method, path] = operation as [string, string];
      const security = guardedDoc.paths[path]?.[method.toLowerCase()]?.security;
      expect(security ?? [], route).toEqual(method === "GET" ? [] : [{ bearer: [] }]);
    }
  });

  it("serves Swagger UI at /docs from its own files, reading the same document", async () => {
    const page = await hub.api.inject({ url: DOCS_PREFIX });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets).toEqual(expect.arrayContaining([`${DOCS_PREFIX}/static/swagger-ui-bundle.js`]));
    for (const asset of assets) {
      expect(asset, "an asset from elsewhere").toMatch(/^\//);
      expect((await hub.api.inject({ url: asset })).statusCode, asset).toBe(200);
    }
    expect((await hub.api.inject({ url: `${DOCS_PREFIX}/json` })).json()).toEqual(doc);
  });
});
