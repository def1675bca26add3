import { z } from "zod";
import { QueryDefinition } from "../../shared/protocol/definition.ts";
import { NodeId } from "../../shared/protocol/ids.ts";
import { ResearcherId } from "../../shared/protocol/items.ts";

export const SubmitQueryBody = z.strictObject({
  definition: QueryDefinition,
  researcherId: ResearcherId.optional(),
  nodeIds: z.array(NodeId).min(1).max(10_000).optional(),
});
export type SubmitQueryBody = z.infer<typeof SubmitQueryBody>;

export const ListQueriesParams = z.strictObject({
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const EventsParams = z.strictObject({ lastEventId: z.string().max(100).optional() });

export const QueryIdParams = z.strictObject({ id: z.uuid({ message: "query id must be a UUID" }) });

/** A 400 body that names every problem with its path. */
export function validationError(error: z.ZodError): { error: string; issues: { path: string; message: string }[] } {
  return {
    error: "invalid request",
    issues: error.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message })),
  };
}
