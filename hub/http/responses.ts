import { z } from "zod";
import { QueryDefinition } from "../../shared/protocol/definition.ts";
import { NodeId, QueryId } from "../../shared/protocol/ids.ts";
import { QueryStatus, ResultStatus } from "../../shared/protocol/status.ts";

/**
 * What the API answers, as PROTOCOL.md section 6 shapes it. The OpenAPI document is generated
 * from these, and the tests read real answers through them, so the document cannot drift.
 */

const isoTime = z.iso.datetime({ offset: true });

export const NodeRowBody = z.object({
  nodeId: NodeId,
  status: ResultStatus,
  stage: z.number().int(),
  final: z.boolean(),
  progress: z.number().min(0).max(1).nullable(),
  count: z.number().int().min(-1).nullable().describe("the obfuscated count on completed; -1 means lowLimit patients or fewer"),
  countDisplay: z.string().nullable().describe('the count as words, e.g. "10 patients or fewer"'),
  statusText: z.string().describe("the status as a researcher reads it, as SHRINE shows it"),
  statusMessage: z.string().nullable(),
  itemVersion: z.number().int().min(1),
  updatedAt: isoTime,
});

export const QuerySummaryBody = z.object({
  nodes: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int().describe("failed and timed out"),
  pending: z.number().int(),
  totalCount: z.number().int(),
  totalDisplay: z.string().describe('e.g. "1234", or "at least 1234" when a site reported -1'),
});

export const QueryViewBody = z.object({
  id: QueryId,
  status: QueryStatus,
  researcherId: z.string(),
  definition: QueryDefinition,
  submittedAt: isoTime,
  itemVersion: z.number().int().min(1),
  nodes: z.array(NodeRowBody),
  summary: QuerySummaryBody,
});

export const QueryListBody = z.object({
  items: z.array(QueryViewBody),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  lastEventId: z.string().describe("the newest event id when this page was read: stream /api/events from here to miss nothing"),
});

export const SubmittedBody = z.object({ id: QueryId });

export const NodeLivenessBody = z.object({
  nodeId: NodeId,
  known: z.boolean().describe("named in QNET_NODES"),
  lastHeartbeat: isoTime.nullable(),
  activeQueries: z.number().int(),
  alive: z.boolean().describe("a heartbeat within three intervals"),
});

export const NodeListBody = z.object({ items: z.array(NodeLivenessBody) });

export const ErrorBody = z.object({ error: z.string() });

export const ValidationErrorBody = z.object({
  error: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
});

export const HealthBody = z.object({ status: z.string() });

export const QueryEventData = z.object({
  queryId: QueryId,
  status: QueryStatus,
  researcherId: z.string(),
  definition: QueryDefinition,
  submittedAt: isoTime,
  itemVersion: z.number().int().min(1),
});

export const ResultEventData = z.object({ queryId: QueryId, row: NodeRowBody });

export const ResetEventData = z.object({ reason: z.string() });
