import { z } from "zod";
import * as B from "./responses.ts";
import { ListQueriesParams, SubmitQueryBody } from "./schemas.ts";

type JsonSchema = Record<string, unknown>;

const schemaOf = (schema: z.ZodType, io: "input" | "output"): JsonSchema => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ "application/json": { schema: ref(name) } });
const answer = (description: string, name?: string) => (name ? { description, content: json(name) } : { description });

const NAMED: Record<string, [z.ZodType, "input" | "output"]> = {
  SubmitQuery: [SubmitQueryBody, "input"],
  Submitted: [B.SubmittedBody, "output"],
  QueryView: [B.QueryViewBody, "output"],
  QueryList: [B.QueryListBody, "output"],
  NodeRow: [B.NodeRowBody, "output"],
  NodeList: [B.NodeListBody, "output"],
  Error: [B.ErrorBody, "output"],
  ValidationError: [B.ValidationErrorBody, "output"],
  Health: [B.HealthBody, "output"],
  QueryEvent: [B.QueryEventData, "output"],
  ResultEvent: [B.ResultEventData, "output"],
  ResetEvent: [B.ResetEventData, "output"],
};

function queryParameters(schema: z.ZodObject): unknown[] {
  const properties = (schemaOf(schema, "input").properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(properties).map(([name, s]) => ({ name, in: "query", required: false, schema: s }));
}

/** The OpenAPI 3.1 document of the API, generated from the same zod schemas the routes validate with. */
export function openApiDocument(options: { tokensRequired: boolean }): Record<string, unknown> {
  const idParam = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };
  const security = options.tokensRequired ? [{ bearer: [] }] : [];
  return {
    openapi: "3.1.0",
    info: {
      title: "qnet hub API",
      version: "1",
      description:
        "The status dashboard API of the qnet hub (PROTOCOL.md section 6). Reads are open; writes need a bearer token off loopback.",
    },
    components: {
      schemas: Object.fromEntries(Object.entries(NAMED).map(([name, [schema, io]]) => [name, schemaOf(schema, io)])),
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
    paths: {
      "/api/queries": {
        post: {
          summary: "Submit a query; the answer says where to read its state",
          security,
          requestBody: { required: true, content: json("SubmitQuery") },
          responses: {
            202: { ...answer("Accepted and stored", "Submitted"), headers: { Location: { schema: { type: "string" } } } },
            400: answer("The body is invalid; every issue is named", "ValidationError"),
            401: answer("A bearer token is required", "Error"),
            403: answer("The token is not accepted", "Error"),
            413: answer("The body is larger than the limit", "Error"),
          },
        },
        get: {
          summary: "The newest queries with their rows and summaries, a page at a time",
          parameters: queryParameters(ListQueriesParams),
          responses: { 200: answer("One page of queries", "QueryList"), 400: answer("Invalid paging", "ValidationError") },
        },
      },
      "/api/queries/{id}": {
        get: {
          summary: "One query: one row per site and the totals",
          parameters: [idParam],
          responses: {
            200: answer("The query as the hub shows it", "QueryView"),
            400: answer("The id is not a UUID", "ValidationError"),
            404: answer("No such query", "Error"),
          },
        },
      },
      "/api/nodes": {
        get: { summary: "Known nodes, their last heartbeat and active queries", responses: { 200: answer("Every node", "NodeList") } },
      },
      "/api/events": {
        get: {
          summary: "Server-Sent Events of the view's changes",
          description:
            "Events `query` (QueryEvent) and `result` (ResultEvent), each with an id that increases by one. Reconnect with the " +
            "Last-Event-ID header (or ?lastEventId=) to receive what was missed; when the hub no longer holds it, a `reset` " +
            "event (ResetEvent) says to read the state again. Comment lines are heartbeats.",
          parameters: [
            { name: "Last-Event-ID", in: "header", required: false, schema: { type: "string" } },
            { name: "lastEventId", in: "query", required: false, schema: { type: "string" } },
          ],
          responses: { 200: { description: "An event stream", content: { "text/event-stream": { schema: { type: "string" } } } } },
        },
      },
      "/api/openapi.json": { get: { summary: "This document", responses: { 200: { description: "OpenAPI 3.1" } } } },
      "/metrics": {
        get: {
          summary: "Prometheus text exposition",
          responses: { 200: { description: "Metrics", content: { "text/plain": { schema: { type: "string" } } } } },
        },
      },
      "/healthz": { get: { summary: "The process is up", responses: { 200: answer("Up", "Health") } } },
      "/readyz": {
        get: {
          summary: "Broker and store are connected",
          responses: { 200: answer("Ready", "Health"), 503: answer("Not ready", "Health") },
        },
      },
      "/": {
        get: {
          summary: "The dashboard page",
          responses: { 200: { description: "HTML", content: { "text/html": { schema: { type: "string" } } } } },
        },
      },
    },
  };
}
