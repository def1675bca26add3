import type { QueryDesk } from "../queries.ts";
import type { StatusView } from "../view/statusView.ts";
import { unknownConcepts } from "../../shared/protocol/vocabulary.ts";
import { requireToken } from "./access.ts";
import { answer, ErrorBody, QueryListBody, QueryViewBody, SubmittedBody, ValidationErrorBody } from "./responses.ts";
import { type Api, ListQueriesParams, QueryIdParams, SubmitQueryBody } from "./schemas.ts";

export interface QueriesDeps {
  view: StatusView;
  desk: QueryDesk;
  knownNodes: readonly string[];
  tokens?: readonly string[];
  /** The newest event id, for a client that lists and then streams to miss nothing. */
  lastEventId: () => string;
}

/** The words of the 202 that tell a researcher which concepts no site of the shared vocabulary knows. */
function conceptWarnings(unknown: readonly string[]): string[] {
  if (unknown.length === 0) return [];
  const named = unknown.join(", ");
  const them = unknown.length === 1 ? "it" : "them";
  return [
    `${named} ${unknown.length === 1 ? "is" : "are"} not in the network's shared vocabulary: a site that does not know ${them} counts no patients for ${them}`,
  ];
}

/** `POST /api/queries`, `GET /api/queries` and `GET /api/queries/:id` of PROTOCOL.md section 6. */
export function registerQueries(api: Api, deps: QueriesDeps): void {
  const known = new Set(deps.knownNodes);
  const tokensRequired = (deps.tokens?.length ?? 0) > 0;
  api.post(
    "/api/queries",
    {
      // Before the body is read: a client without a token gets 401 whatever it sent.
      onRequest: requireToken(deps.tokens),
      schema: {
        tags: ["queries"],
        summary: "Submit a query; the answer says where to read its state",
        description:
          "Every object of the body is strict: an unknown field at any depth is a 400 naming its path. A concept outside " +
          "the network's shared vocabulary is accepted (a site may know it) and named in `unknownConcepts` and `warnings`.",
        security: tokensRequired ? [{ bearer: [] }] : [],
        body: SubmitQueryBody,
        response: {
          202: {
            ...answer("Accepted and stored", SubmittedBody),
            headers: { location: { type: "string", description: "/api/queries/<id>, where its state is read" } },
          },
          400: answer("The body is invalid; every issue is named by its path", ValidationErrorBody),
          401: answer("A bearer token is required", ErrorBody),
          403: answer("The token is not accepted", ErrorBody),
          413: answer("The body is larger than 64 KiB", ErrorBody),
          415: answer("The body is not JSON", ErrorBody),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const unknownNodes = (body.nodeIds ?? []).filter((n) => !known.has(n));
      if (unknownNodes.length > 0) {
        return reply
          .code(400)
          .send({ error: "invalid request", issues: [{ path: "nodeIds", message: `unknown node(s): ${unknownNodes.join(", ")}` }] });
      }
      const id = await deps.desk.submit(body);
      const unknown = unknownConcepts(body.definition);
      return reply
        .code(202)
        .header("location", `/api/queries/${id}`)
        .send({ id, unknownConcepts: unknown, warnings: conceptWarnings(unknown) });
    },
  );

  api.get(
    "/api/queries",
    {
      schema: {
        tags: ["queries"],
        summary: "The newest queries with their rows and summaries, a page at a time, filtered by status and researcher if asked",
        querystring: ListQueriesParams,
        response: { 200: answer("One page of queries, newest first", QueryListBody), 400: answer("Invalid paging", ValidationErrorBody) },
      },
    },
    async (request) => {
      const { offset, limit, status, researcherId } = request.query;
      const { items, total } = deps.view.list(offset, limit, { status, researcherId });
      return { items, total, offset, limit, lastEventId: deps.lastEventId() };
    },
  );

  api.get(
    "/api/queries/:id",
    {
      schema: {
        tags: ["queries"],
        summary: "One query: one row per site and the totals",
        params: QueryIdParams,
        response: {
          200: answer("The query as the hub shows it", QueryViewBody),
          400: answer("The id is not a UUID", ValidationErrorBody),
          404: answer("No such query", ErrorBody),
        },
      },
    },
    async (request, reply) => {
      const view = deps.view.get(request.params.id);
      if (!view) return reply.code(404).send({ error: `no query ${request.params.id}` });
      return view;
    },
  );
}
