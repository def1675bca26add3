import { Gauge, Registry } from "prom-client";
import { z } from "zod";
import { type HubPolicy, NAIVE_WARNING } from "../../shared/apply/policy.ts";
import { QUERY_LADDER, type QueryStatus } from "../../shared/protocol/status.ts";
import type { Liveness } from "../liveness.ts";
import { type HubMetrics, processMetrics } from "../metrics.ts";
import type { StatusView } from "../view/statusView.ts";
import { answer, HealthBody, text } from "./responses.ts";
import type { Api } from "./schemas.ts";

export interface OperationsDeps {
  metrics: HubMetrics;
  view: StatusView;
  liveness: Liveness;
  eventClients: () => number;
  /** Whether the broker and the store are connected. */
  ready: () => boolean | Promise<boolean>;
  policy: HubPolicy;
}

const QUERY_STATUSES = Object.keys(QUERY_LADDER) as QueryStatus[];

/**
 * The figures read at scrape time from the view, the liveness table and the event streams. Each API
 * has its own: they read its streams, and a second API on one hub must not register them twice.
 */
function pointInTime(deps: OperationsDeps): Registry {
  const registry = new Registry();
  new Gauge({
    name: "qnet_queries",
    help: "Queries by status",
    labelNames: ["status"] as const,
    registers: [registry],
    collect() {
      const byStatus = new Map<QueryStatus, number>(QUERY_STATUSES.map((s) => [s, 0]));
      for (const id of deps.view.queryIds()) {
        const status = deps.view.query(id)?.status ?? "created";
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      }
      for (const [status, n] of byStatus) this.set({ status }, n);
    },
  });
  new Gauge({
    name: "qnet_nodes_connected",
    help: "Nodes alive: a heartbeat within three intervals",
    registers: [registry],
    collect() {
      this.set(deps.liveness.aliveCount());
    },
  });
  new Gauge({
    name: "qnet_event_clients",
    help: "Clients streaming /api/events",
    registers: [registry],
    collect() {
      this.set(deps.eventClients());
    },
  });
  return registry;
}

/** `/metrics`, `/healthz`, `/readyz` and the OpenAPI document. */
export function registerOperations(api: Api, deps: OperationsDeps): void {
  const exposition = Registry.merge([processMetrics(), deps.metrics.registry, pointInTime(deps)]);
  const tags = ["operations"];

  api.get(
    "/metrics",
    {
      schema: {
        tags,
        summary: "Prometheus text exposition: the hub's counters, its gauges, HTTP answers and the process's figures",
        response: { 200: text("Every metric", "text/plain") },
      },
    },
    async (_request, reply) => reply.type(exposition.contentType).send(await exposition.metrics()),
  );

  api.get(
    "/healthz",
    {
      schema: {
        tags,
        summary: "The process answers, and says how it applies proposals",
        description: "`policy` is `versioned` (PROTOCOL.md section 3) or `naive`, a demonstration setting whose `warning` says so.",
        response: { 200: answer("Up", HealthBody) },
      },
    },
    async () => ({ status: "ok", policy: deps.policy, ...(deps.policy === "naive" ? { warning: NAIVE_WARNING } : {}) }),
  );

  api.get(
    "/readyz",
    {
      schema: {
        tags,
        summary: "The broker is connected and the store answers",
        response: { 200: answer("Ready", HealthBody), 503: answer("Not ready", HealthBody) },
      },
    },
    async (_request, reply) => {
      const ready = await Promise.resolve(deps.ready()).catch(() => false);
      return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready" });
    },
  );

  api.get(
    "/api/openapi.json",
    {
      schema: {
        tags,
        summary: "This document: OpenAPI 3.1, generated from the schemas the routes validate with",
        response: { 200: answer("The OpenAPI document", z.looseObject({ openapi: z.string() })) },
      },
    },
    async () => api.swagger(),
  );
}
