import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "../../shared/log.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Store } from "../../shared/ports/store.ts";
import { MAX_MESSAGE_BYTES } from "../../shared/protocol/messages.ts";
import { EventLog } from "../events/eventLog.ts";
import { EventStreams } from "../events/sse.ts";
import { feedViewChanges } from "../events/viewFeed.ts";
import type { Liveness } from "../liveness.ts";
import { type HubMetrics, hubGauges } from "../metrics.ts";
import type { QueryDesk } from "../queries.ts";
import type { StatusView } from "../view/statusView.ts";
import { requireToken } from "./access.ts";
import { registerDashboard } from "./dashboard.ts";
import { registerHistory } from "./history.ts";
import { openApiDocument } from "./openapi.ts";
import { EventsParams, ListQueriesParams, QueryIdParams, SubmitQueryBody, validationError } from "./schemas.ts";

export interface ApiDeps {
  view: StatusView;
  desk: QueryDesk;
  liveness: Liveness;
  metrics: HubMetrics;
  /** The record, for the history of a query. */
  store: Pick<Store, "history">;
  knownNodes: readonly string[];
  tokens?: readonly string[];
  log: Logger;
  /** Heartbeats of the event streams run on it. */
  clock: Clock;
  /** Whether the broker and the store are connected. */
  ready: () => boolean | Promise<boolean>;
  events?: Partial<EventSettings>;
}

export interface EventSettings {
  /** Events kept for clients that resume with Last-Event-ID. */
  capacity: number;
  heartbeatMs: number;
  /** Unsent bytes one event-stream client may hold before it is dropped. */
  maxBufferedBytes: number;
}

const EVENT_DEFAULTS: EventSettings = { capacity: 10_000, heartbeatMs: 15_000, maxBufferedBytes: 1 << 20 };

/** The status dashboard API of PROTOCOL.md section 6. */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: MAX_MESSAGE_BYTES,
    logController: new LogController({ disableRequestLogging: true }),
    // Event streams and keep-alive sockets would otherwise hold a closing server open.
    forceCloseConnections: true,
  });
  const known = new Set(deps.knownNodes);
  const eventSettings = { ...EVENT_DEFAULTS, ...deps.events };
  const eventLog = new EventLog({ capacity: eventSettings.capacity, epoch: deps.clock.now().toString(36) });
  const stopFeed = feedViewChanges(deps.view, eventLog);
  const streams = new EventStreams({
    log: eventLog,
    clock: deps.clock,
    heartbeatMs: eventSettings.heartbeatMs,
    maxBufferedBytes: eventSettings.maxBufferedBytes,
    onDrop: () => deps.metrics.eventClientsDropped.inc(),
  });
  // Open event streams would hold the server open; end them before it closes.
  app.addHook("preClose", async () => {
    stopFeed();
    streams.closeAll();
  });

  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) deps.log.error({ err: error.message }, "request failed");
    void reply.code(status).send({ error: status >= 500 ? "internal error" : error.message });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route ${request.method} ${request.url.split("?")[0]}` });
  });

  app.post("/api/queries", { preHandler: requireToken(deps.tokens) }, async (request, reply) => {
    const body = SubmitQueryBody.safeParse(request.body);
    if (!body.success) return reply.code(400).send(validationError(body.error));
    const unknown = (body.data.nodeIds ?? []).filter((n) => !known.has(n));
    if (unknown.length > 0) {
      return reply
        .code(400)
        .send({ error: "invalid request", issues: [{ path: "nodeIds", message: `unknown node(s): ${unknown.join(", ")}` }] });
    }
    const id = await deps.desk.submit(body.data);
    return reply.code(202).header("location", `/api/queries/${id}`).send({ id });
  });

  app.get("/api/queries", async (request, reply) => {
    const params = ListQueriesParams.safeParse(request.query);
    if (!params.success) return reply.code(400).send(validationError(params.error));
    const { items, total } = deps.view.list(params.data.offset, params.data.limit);
    return { items, total, offset: params.data.offset, limit: params.data.limit, lastEventId: eventLog.lastId() };
  });

  app.get("/api/queries/:id", async (request, reply) => {
    const params = QueryIdParams.safeParse(request.params);
    if (!params.success) return reply.code(400).send(validationError(params.error));
    const view = deps.view.get(params.data.id);
    if (!view) return reply.code(404).send({ error: `no query ${params.data.id}` });
    return view;
  });

  registerHistory(app, deps);

  app.get("/api/nodes", async () => ({ items: deps.liveness.nodes() }));

  app.get("/api/events", async (request, reply) => {
    const params = EventsParams.safeParse(request.query);
    if (!params.success) return reply.code(400).send(validationError(params.error));
    const header = request.headers["last-event-id"];
    streams.open(request, reply, typeof header === "string" ? header : params.data.lastEventId);
    return reply;
  });

  const openApi = openApiDocument({ tokensRequired: (deps.tokens?.length ?? 0) > 0 });
  app.get("/api/openapi.json", async () => openApi);

  app.get("/metrics", async (_request, reply) => {
    const view = deps.view;
    const gauges = hubGauges({
      queryStatuses: view.queryIds().map((id) => view.query(id)?.status ?? "created"),
      nodesAlive: deps.liveness.aliveCount(),
      eventClients: streams.count(),
    });
    return reply.type("text/plain; version=0.0.4; charset=utf-8").send(deps.metrics.render(gauges));
  });

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const ready = await Promise.resolve(deps.ready()).catch(() => false);
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready" });
  });

  registerDashboard(app);

  return app;
}
