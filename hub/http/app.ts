import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "../../shared/log.ts";
import { MAX_MESSAGE_BYTES } from "../../shared/protocol/messages.ts";
import type { Liveness } from "../liveness.ts";
import type { HubMetrics } from "../metrics.ts";
import type { QueryDesk } from "../queries.ts";
import type { StatusView } from "../view/statusView.ts";
import { requireToken } from "./access.ts";
import { ListQueriesParams, QueryIdParams, SubmitQueryBody, validationError } from "./schemas.ts";

export interface ApiDeps {
  view: StatusView;
  desk: QueryDesk;
  liveness: Liveness;
  metrics: HubMetrics;
  knownNodes: readonly string[];
  tokens?: readonly string[];
  log: Logger;
  /** Whether the broker and the store are connected. */
  ready: () => boolean;
}

/** The status dashboard API of PROTOCOL.md section 6. */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const app: FastifyInstance = Fastify({ loggerInstance: deps.log as FastifyBaseLogger, bodyLimit: MAX_MESSAGE_BYTES, disableRequestLogging: true });
  const known = new Set(deps.knownNodes);

  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) deps.log.error({ err: error.message }, "request failed");
    void reply.code(status).send({ error: status >= 500 ? "internal error" : error.message });
  });

  app.post("/api/queries", { preHandler: requireToken(deps.tokens) }, async (request, reply) => {
    const body = SubmitQueryBody.safeParse(request.body);
    if (!body.success) return reply.code(400).send(validationError(body.error));
    const unknown = (body.data.nodeIds ?? []).filter((n) => !known.has(n));
    if (unknown.length > 0) {
      return reply.code(400).send({ error: "invalid request", issues: [{ path: "nodeIds", message: `unknown node(s): ${unknown.join(", ")}` }] });
    }
    const id = await deps.desk.submit(body.data);
    return reply.code(202).header("location", `/api/queries/${id}`).send({ id });
  });

  app.get("/api/queries", async (request, reply) => {
    const params = ListQueriesParams.safeParse(request.query);
    if (!params.success) return reply.code(400).send(validationError(params.error));
    const { items, total } = deps.view.list(params.data.offset, params.data.limit);
    return { items, total, offset: params.data.offset, limit: params.data.limit };
  });

  app.get("/api/queries/:id", async (request, reply) => {
    const params = QueryIdParams.safeParse(request.params);
    if (!params.success) return reply.code(400).send(validationError(params.error));
    const view = deps.view.get(params.data.id);
    if (!view) return reply.code(404).send({ error: `no query ${params.data.id}` });
    return view;
  });

  app.get("/api/nodes", async () => ({ items: deps.liveness.nodes() }));

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const ready = deps.ready();
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready" });
  });

  return app;
}
