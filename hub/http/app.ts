import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { HubPolicy } from "../../shared/apply/policy.ts";
import type { Logger } from "../../shared/log.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Store } from "../../shared/ports/store.ts";
import { MAX_MESSAGE_BYTES } from "../../shared/protocol/messages.ts";
import { EventLog } from "../events/eventLog.ts";
import { EventStreams } from "../events/sse.ts";
import type { Liveness } from "../liveness.ts";
import type { HubMetrics } from "../metrics.ts";
import type { QueryDesk } from "../queries.ts";
import type { StatusView } from "../view/statusView.ts";
import type { FaultDesk } from "../faults.ts";
import type { DuplicateLog } from "../duplicates.ts";
import { registerCsv } from "./csv.ts";
import { registerDashboard } from "./dashboard.ts";
import { registerFaults } from "./faults.ts";
import { registerHistory } from "./history.ts";
import { registerUnrouted } from "./methods.ts";
import { registerOpenApi } from "./openapi.ts";
import { registerOperations } from "./operations.ts";
import { registerQueries } from "./queries.ts";
import { answer, NodeListBody, text, ValidationErrorBody } from "./responses.ts";
import {
  type Api,
  EventsHeaders,
  EventsParams,
  InvalidRequest,
  serializerCompiler,
  validationError,
  validatorCompiler,
} from "./schemas.ts";

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
  /** The log the store feed writes the view's changes into, for /api/events; an empty one of `events.capacity` when absent. */
  eventLog?: EventLog;
  /** Announced by /healthz and the page: naive is a demonstration setting. */
  policy?: HubPolicy;
  /** The duplicates this hub absorbed, for a query's history; none when absent. */
  duplicates?: DuplicateLog;
  /** Live faults: /api/faults is served when present. */
  faults?: FaultDesk;
}

export interface EventSettings {
  /** Events kept for clients that resume with Last-Event-ID. */
  capacity: number;
  heartbeatMs: number;
  /** Unsent bytes one event-stream client may hold before it is dropped. */
  maxBufferedBytes: number;
}

const EVENT_DEFAULTS: EventSettings = { capacity: 10_000, heartbeatMs: 15_000, maxBufferedBytes: 1 << 20 };

/** An event log for the hub, starting at a store position (where its view starts from). */
export function hubEventLog(from = 0, capacity = EVENT_DEFAULTS.capacity): EventLog {
  return new EventLog({ capacity, from });
}

/** The status dashboard API of PROTOCOL.md section 6. */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: MAX_MESSAGE_BYTES,
    logController: new LogController({ disableRequestLogging: true }),
    // Event streams and keep-alive sockets would otherwise hold a closing server open.
    forceCloseConnections: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const eventSettings = { ...EVENT_DEFAULTS, ...deps.events };
  const eventLog = deps.eventLog ?? hubEventLog(0, eventSettings.capacity);
  const streams = new EventStreams({
    log: eventLog,
    clock: deps.clock,
    heartbeatMs: eventSettings.heartbeatMs,
    maxBufferedBytes: eventSettings.maxBufferedBytes,
    onDrop: () => deps.metrics.eventClientsDropped.inc(),
  });
  // Open event streams would hold the server open; end them before it closes.
  app.addHook("preClose", async () => {
    streams.closeAll();
  });
  // An event stream is taken over from fastify and never reaches this: its length is the client's, not the hub's.
  app.addHook("onResponse", async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? "(unrouted)", status_code: String(reply.statusCode) };
    deps.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    if (error instanceof InvalidRequest) return reply.code(400).send(validationError(error.issues));
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) deps.log.error({ err: error.message }, "request failed");
    return reply.code(status).send({ error: status >= 500 ? "internal error" : error.message });
  });
  registerUnrouted(app);
  registerOpenApi(app);

  // Routes come after the document's plugin has loaded: it learns of each route as it is declared.
  void app.register(async (scope) => {
    const api: Api = scope.withTypeProvider<ZodTypeProvider>();
    registerQueries(api, { ...deps, lastEventId: () => eventLog.lastId() });
    registerHistory(api, deps);
    registerCsv(api, deps);
    if (deps.faults) registerFaults(api, { ...deps, faults: deps.faults });

    api.get(
      "/api/nodes",
      {
        schema: {
          tags: ["nodes"],
          summary: "Known nodes, their last heartbeat and active queries",
          response: { 200: answer("Every node", NodeListBody) },
        },
      },
      async () => ({ items: deps.liveness.nodes() }),
    );

    api.get(
      "/api/events",
      {
        schema: {
          tags: ["events"],
          summary: "Server-Sent Events of the view's changes",
          description:
            "Events `query` (QueryEvent) and `result` (ResultEvent), each with an id: a store position, the same on every " +
            "hub replica. Reconnect, to this replica or another, with the Last-Event-ID header " +
            "(or ?lastEventId=) to receive what was missed; when the hub no longer holds it, a `reset` event (ResetEvent) says " +
            "to read the state again. Comment lines are heartbeats. With ?queryId=, only that query's events (and resets).",
          querystring: EventsParams,
          headers: EventsHeaders,
          response: {
            200: text("An event stream: `retry`, then `id`, `event` and `data` lines per event", "text/event-stream"),
            400: answer("An invalid event id", ValidationErrorBody),
          },
        },
      },
      async (request, reply) => {
        streams.open(request, reply, request.headers["last-event-id"] ?? request.query.lastEventId, request.query.queryId);
        return reply;
      },
    );

    registerOperations(api, {
      metrics: deps.metrics,
      view: deps.view,
      liveness: deps.liveness,
      eventClients: () => streams.count(),
      ready: deps.ready,
      policy: deps.policy ?? "versioned",
    });
    registerDashboard(api);
  });

  return app;
}
