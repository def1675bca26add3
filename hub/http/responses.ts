import { z } from "zod";
import { BreakdownKind } from "../../shared/protocol/breakdowns.ts";
import { QueryDefinition } from "../../shared/protocol/definition.ts";
import { NodeId, QueryId } from "../../shared/protocol/ids.ts";
import { QueryState, ResultState } from "../../shared/protocol/items.ts";
import { QueryStatus, ResultStatus } from "../../shared/protocol/status.ts";

/**
 * What the API answers, as PROTOCOL.md section 6 shapes it. The OpenAPI document is generated
 * from these, and the tests read real answers through them, so the document cannot drift.
 */

/** One documented answer of a route: what it means, and its body by media type. */
export const answer = (description: string, schema: z.ZodType, mediaType = "application/json") => ({
  description,
  content: { [mediaType]: { schema } },
});

/** An answer whose body is text of some media type. */
export const text = (description: string, mediaType: string) => answer(description, z.string(), mediaType);

const isoTime = z.iso.datetime({ offset: true });

const breakdownHeader = {
  kind: BreakdownKind,
  label: z.string().describe('what a researcher reads, e.g. "Vital status"'),
  shrineType: z.string().describe("SHRINE's result type, e.g. PATIENT_VITALSTATUS_COUNT_XML"),
};
const cellHeader = { cell: z.string(), label: z.string().describe('e.g. "65-74 years old"') };

export const SiteBreakdownBody = z.object({
  ...breakdownHeader,
  cells: z.array(
    z.object({
      ...cellHeader,
      count: z.number().int().min(-1).describe("the obfuscated cell; -1 means lowLimit patients or fewer"),
      countDisplay: z.string().describe('the cell as words, e.g. "10 patients or fewer"'),
    }),
  ),
});

export const NetworkBreakdownBody = z.object({
  ...breakdownHeader,
  sites: z.number().int().describe("completed sites that reported this breakdown"),
  missing: z.number().int().describe("completed sites that did not (a node that predates breakdowns answers the count alone)"),
  cells: z.array(
    z.object({
      ...cellHeader,
      totalCount: z.number().int().describe("the sites' cells summed; a -1 cell adds nothing"),
      totalDisplay: z.string().describe('e.g. "1234", or "at least 1234" when a site reported -1 for the cell or no such breakdown'),
    }),
  ),
});

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
  breakdowns: z.array(SiteBreakdownBody).nullable().describe("the breakdowns a completed site reported; null when it reported none"),
});

export const QuerySummaryBody = z.object({
  nodes: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int().describe("failed and timed out"),
  pending: z.number().int(),
  totalCount: z.number().int(),
  totalDisplay: z.string().describe('e.g. "1234", or "at least 1234" when a site reported -1'),
  breakdowns: z
    .array(NetworkBreakdownBody)
    .describe("each breakdown the query asked for, summed cell by cell over the completed sites; empty when it asked for none"),
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

export const SubmittedBody = z.object({
  id: QueryId,
  unknownConcepts: z
    .array(z.string())
    .describe("concepts of the definition that the network's shared vocabulary lacks: no simulated site matches them"),
  warnings: z.array(z.string()).describe("what the researcher should know about the query as stored, in words; empty when nothing"),
});

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

export const HealthBody = z.object({
  status: z.string(),
  policy: z.enum(["versioned", "naive"]).optional().describe("how the hub applies proposals (/healthz)"),
  warning: z.string().optional().describe("said loudly while the policy is naive"),
});

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

/** A stored state of a query or of one of its results: the state exactly as the store holds it. */
const StoredItemState = z.union([QueryState, ResultState]);
const itemKind = z.enum(["query", "result"]);

export const HistoryStateBody = z.object({
  seq: z.number().int().describe("store order, increasing across all items"),
  kind: itemKind,
  id: z.string(),
  nodeId: NodeId.nullable().describe("the node of a result; null for the query"),
  itemVersion: z.number().int().min(1),
  outcome: z.enum(["applied", "applied-late", "conflict-rebased"]).describe("the outcome that stored it"),
  messageId: z.string().nullable().describe("the message that carried it; null for the hub's own writes"),
  storedAt: isoTime,
  state: StoredItemState,
});

export const ConflictBody = z.object({
  seq: z.number().int(),
  kind: itemKind,
  id: z.string(),
  queryId: QueryId,
  itemVersion: z.number().int().min(1).describe("the version both states claimed"),
  proposed: StoredItemState,
  collidedWith: StoredItemState,
  resolution: z.enum(["rebased", "discarded"]),
  rebasedTo: z.number().int().min(1).nullable().describe("the version the proposal was stored at when rebased"),
  messageId: z.string().nullable(),
  at: isoTime,
});

export const QueryHistoryBody = z.object({
  queryId: QueryId,
  states: z.array(HistoryStateBody).describe("every stored state of the query and its results, in store order"),
  conflicts: z.array(ConflictBody).describe("every proposal that met a different state at its (id, itemVersion), in store order"),
  duplicates: z
    .array(
      z.object({
        kind: itemKind,
        id: z.string(),
        nodeId: NodeId.nullable(),
        itemVersion: z.number().int().min(1),
        status: z.string().nullable(),
        messageId: z.string().nullable(),
        at: isoTime,
      }),
    )
    .optional()
    .describe(
      "the proposals this hub process absorbed as duplicates, the newest 200, in order: not from the store (a duplicate writes nothing), so another replica's or an earlier run's are not here",
    ),
  summary: z.object({
    states: z.number().int(),
    byOutcome: z.object({ applied: z.number().int(), "applied-late": z.number().int(), "conflict-rebased": z.number().int() }),
    conflicts: z.object({ rebased: z.number().int(), discarded: z.number().int() }),
  }),
});
export type QueryHistory = z.infer<typeof QueryHistoryBody>;
export type HistoryState = z.infer<typeof HistoryStateBody>;
