import { z } from "zod";
import { Breakdowns, patientCount } from "./breakdowns.ts";
import { QueryDefinition } from "./definition.ts";
import { NodeId, QueryId, resultId } from "./ids.ts";
import { QueryStatus, ResultStatus } from "./status.ts";
import { Iso, VersionInfo } from "./versionInfo.ts";

/** Text a person wrote. NUL is refused: PostgreSQL's jsonb cannot hold it, and no status needs it. */
export const Text = (max: number, what: string) =>
  z
    .string()
    .max(max, { message: `${what} is longer than ${max} characters` })
    .refine((s) => !s.includes("\u0000"), { message: `${what} must not contain NUL characters` })
    .meta({ pattern: "^[^\\u0000]*$" });

/** Who asked; the hub writes "anonymous" when a submission names no one. */
export const ResearcherId = Text(200, "researcherId").min(1, { message: "researcherId must not be empty" });

export const Obfuscation = z.object({
  binSize: z.number().int().min(1).max(1000),
  stdDev: z.number().finite().min(0).max(1000),
  noiseClamp: z.number().int().min(0).max(1000),
  lowLimit: z.number().int().min(0).max(1000),
});
export type Obfuscation = z.infer<typeof Obfuscation>;

/** SHRINE 2's parameters (BACKGROUND.md): what a count means when its state names no others. */
export const SHRINE_OBFUSCATION: Obfuscation = { binSize: 5, stdDev: 6.5, noiseClamp: 10, lowLimit: 10 };

/** One state of a Result: the answer of one node to one query. */
export const ResultState = z
  .object({
    id: z
      .string()
      .max(200)
      .meta({ description: 'exactly "<queryId>:<nodeId>" of this result', pattern: "^[0-9A-Fa-f-]{36}:[a-z0-9][a-z0-9-]{0,62}$" }),
    queryId: QueryId,
    nodeId: NodeId,
    versionInfo: VersionInfo,
    status: ResultStatus,
    progress: z
      .number()
      .finite()
      .min(0, { message: "progress must be within 0..1" })
      .max(1, { message: "progress must be within 0..1" })
      .optional(),
    count: patientCount("count").optional(),
    statusMessage: Text(2000, "statusMessage").optional(),
    obfuscation: Obfuscation.optional(),
    /** The breakdowns the query asked for, cell by cell, obfuscated with the same parameters as the count. */
    breakdowns: Breakdowns.optional(),
  })
  .meta({
    // The count and breakdowns rules of the superRefine below; the id rule is in the id's description.
    anyOf: [
      { properties: { status: { const: "completed" } }, required: ["count"] },
      { properties: { status: { not: { const: "completed" } } }, not: { anyOf: [{ required: ["count"] }, { required: ["breakdowns"] }] } },
    ],
  })
  .superRefine((r, ctx) => {
    if (r.id !== resultId(r.queryId, r.nodeId)) {
      ctx.addIssue({ code: "custom", path: ["id"], message: 'result id must be "<queryId>:<nodeId>"' });
    }
    if (r.count !== undefined && r.status !== "completed") {
      ctx.addIssue({ code: "custom", path: ["count"], message: "count is set only on completed" });
    }
    if (r.breakdowns !== undefined && r.status !== "completed") {
      ctx.addIssue({ code: "custom", path: ["breakdowns"], message: "breakdowns are set only on completed" });
    }
    if (r.status === "completed" && r.count === undefined) {
      ctx.addIssue({ code: "custom", path: ["count"], message: "a completed result needs a count" });
    }
  });
export type ResultState = z.infer<typeof ResultState>;

/** One state of a Query. `status` and `nodeIds` are the hub's own, optional here; the hub's run-query leaves them out, as PROTOCOL.md has it. */
export const QueryState = z.object({
  id: QueryId,
  versionInfo: VersionInfo,
  researcherId: ResearcherId,
  definition: QueryDefinition,
  submittedAt: Iso,
  status: QueryStatus.optional(),
  nodeIds: z.array(NodeId).max(10_000).optional(),
});
export type QueryState = z.infer<typeof QueryState>;
