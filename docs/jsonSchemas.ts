import { z } from "zod";
import * as Api from "../hub/http/responses.ts";
import { SubmitQueryBody } from "../hub/http/schemas.ts";
import { NodeHeartbeat, ResultUpdate, RunQuery } from "../shared/protocol/messages.ts";
import { RESULT_LADDER, RESULT_STATUSES } from "../shared/protocol/status.ts";

/** Where the generated files live, relative to the repository root. */
export const SCHEMA_DIR = "docs/schemas";

/**
 * How a document's objects treat keys they do not name. Broker messages are read leniently
 * (docs/protocol.md section 4) and API answers may gain fields, so a reader must let unknown keys
 * pass; a request body is strict, and its schema says so.
 */
export type Openness = "open" | "strict";

export interface SchemaEntry {
  /** The file name without ".schema.json". */
  name: string;
  title: string;
  description: string;
  schema: z.ZodType;
  openness: Openness;
  /** What the receiver checks beyond the zod schema, where JSON Schema can say it: added under allOf. */
  receiverChecks?: Record<string, unknown>;
}

const message = (name: string, schema: z.ZodType, description: string, receiverChecks?: Record<string, unknown>): SchemaEntry => ({
  name,
  title: `${name} message`,
  description: `${description} Broker message (docs/protocol.md section 4): unknown fields are ignored.`,
  schema,
  openness: "open",
  ...(receiverChecks ? { receiverChecks } : {}),
});

const resultStatus = (status: Record<string, unknown>) => ({ properties: { result: { properties: { status } } } });
const NODE_STATUSES = RESULT_STATUSES.filter((s) => RESULT_LADDER[s].setBy === "node");

const answer = (name: string, schema: z.ZodType, description: string): SchemaEntry => ({
  name,
  title: name,
  description: `${description} HTTP API (docs/protocol.md section 6): later versions may add fields; ignore the ones you do not know.`,
  schema,
  openness: "open",
});

/** Every message and API body, one file each. */
export const SCHEMA_ENTRIES: readonly SchemaEntry[] = [
  message(
    "run-query",
    RunQuery,
    "Hub to node: run this query. The node also checks that result.status is sentToNode, result.queryId is query.id and result.nodeId its own id.",
    resultStatus({ const: "sentToNode" }),
  ),
  message(
    "result-update",
    ResultUpdate,
    "Node to hub: a proposed state of the node's result. The hub also checks that result.status is one a node sets, and that nodeId, " +
      "result.nodeId and the routing key or subject name the same node.",
    resultStatus({ enum: NODE_STATUSES }),
  ),
  message("node-heartbeat", NodeHeartbeat, "Node to hub: liveness, for the dashboard."),
  {
    name: "query-submission",
    title: "query-submission",
    description:
      "Body of POST /api/queries (docs/protocol.md section 6). Strict: an unknown key at any depth is refused with 400 naming it.",
    schema: SubmitQueryBody,
    openness: "strict",
  },
  answer("query-accepted", Api.SubmittedBody, "202 answer of POST /api/queries."),
  answer("query-view", Api.QueryViewBody, "GET /api/queries/{id}: one query, one row per site, and the totals."),
  answer("query-list", Api.QueryListBody, "GET /api/queries: one page of queries, newest first."),
  answer("query-history", Api.QueryHistoryBody, "GET /api/queries/{id}/history: every stored state and the conflict log."),
  answer("node-list", Api.NodeListBody, "GET /api/nodes: known nodes and their liveness."),
  answer("error", Api.ErrorBody, "Any 4xx or 5xx answer without validation issues."),
  answer("validation-error", Api.ValidationErrorBody, "400 answer: every issue with its path."),
  answer("health", Api.HealthBody, "GET /healthz and GET /readyz."),
  answer("event-query", Api.QueryEventData, "Data of a `query` event of GET /api/events."),
  answer("event-result", Api.ResultEventData, "Data of a `result` event of GET /api/events."),
  answer("event-reset", Api.ResetEventData, "Data of a `reset` event of GET /api/events."),
];

type Json = Record<string, unknown>;

/**
 * The JSON Schema of one entry. `io: "input"` describes what a sender may put on the wire: a pipe
 * reads as its input side and a plain z.object leaves additionalProperties open, while
 * z.strictObject closes it. Refinements are carried by the `.meta()` written beside them; what is
 * only the receiver's rule (shared/apply/admission.ts, the node's refusals) by `receiverChecks`.
 */
export function jsonSchemaOf(entry: SchemaEntry): Json {
  const { $schema, ...rest } = z.toJSONSchema(entry.schema, { io: "input", target: "draft-2020-12", unrepresentable: "throw" }) as Json;
  const checks = entry.receiverChecks ? { allOf: [entry.receiverChecks] } : {};
  return { $schema, title: entry.title, description: entry.description, ...rest, ...checks };
}

/** Every file of docs/schemas/ by name, as the generator writes it. */
export function renderSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of SCHEMA_ENTRIES) files.set(`${entry.name}.schema.json`, `${JSON.stringify(jsonSchemaOf(entry), null, 2)}\n`);
  return files;
}
