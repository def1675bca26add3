import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifySchemaCompiler,
  FastifySerializerCompiler,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { StrictQueryDefinition } from "../../shared/protocol/definition.ts";
import { NodeId } from "../../shared/protocol/ids.ts";
import { ResearcherId } from "../../shared/protocol/items.ts";
import { QueryStatus } from "../../shared/protocol/status.ts";

/** The app as routes see it: each route's zod schemas type its request. */
export type Api = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** A submission. Like everything a client sends, every object in it is strict: an unknown field is a 400 that names it. */
export const SubmitQueryBody = z.strictObject({
  definition: StrictQueryDefinition,
  researcherId: ResearcherId.optional(),
  nodeIds: z.array(NodeId).min(1).max(10_000).optional().describe("the sites to ask; every known site when absent"),
});
export type SubmitQueryBody = z.infer<typeof SubmitQueryBody>;

export const ListQueriesParams = z.strictObject({
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  status: QueryStatus.optional().describe("only queries of this status"),
  researcherId: ResearcherId.optional().describe("only this researcher's queries"),
});

const EventId = z.string().describe("the id of the last event the client received");

export const EventsParams = z.strictObject({
  lastEventId: EventId.max(100).optional(),
  queryId: z.uuid({ message: "query id must be a UUID" }).optional().describe("stream only this query's events"),
});

/**
 * Loose: a request carries many headers, and the validated object replaces them all. Any value is
 * taken, as a browser's EventSource sends back what it was given: one the hub cannot read gets a reset.
 */
export const EventsHeaders = z.looseObject({ "last-event-id": EventId.optional() });

export const QueryIdParams = z.strictObject({ id: z.uuid({ message: "query id must be a UUID" }) });

export const DashboardFileParams = z.strictObject({ file: z.string().describe("a file of the dashboard page, e.g. app.js") });

export interface Issue {
  path: string;
  message: string;
}

/** One issue per problem, named by its path; an unknown field is named by its own path, not its parent's. */
function issuesOf(issue: z.core.$ZodIssue): Issue[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ path: [...issue.path, key].join("."), message: `unknown field "${key}"` }));
  }
  return [{ path: issue.path.join(".") || "(root)", message: issue.message }];
}

/** A 400 body that names every problem with its path. */
export function validationError(error: z.ZodError): { error: string; issues: Issue[] } {
  return { error: "invalid request", issues: error.issues.flatMap(issuesOf) };
}

/** A request part its route's schema refused; fastify gives it status 400, the error handler names each issue. */
export class InvalidRequest extends Error {
  constructor(readonly issues: z.ZodError) {
    super("invalid request");
  }
}

/** Validates each request part with its route's zod schema, which also types the handler's request. */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const parsed = schema.safeParse(data);
    return parsed.success ? { value: parsed.data } : { error: new InvalidRequest(parsed.error) };
  };

/**
 * Answers are written as they are. Their schemas document the API, and the tests read real answers
 * through them; checking every answer again on the way out would cost the read path for data the
 * hub built itself.
 */
export const serializerCompiler: FastifySerializerCompiler<unknown> = () => (data) => JSON.stringify(data);
