import { z } from "zod";
import { NodeRowBody, QueryViewBody } from "../../hub/http/responses.ts";
import { OUTCOMES } from "../../shared/apply/decide.ts";
import { QueryDefinition } from "../../shared/protocol/definition.ts";
import { QueryState, ResultState } from "../../shared/protocol/items.ts";
import type { QueryPicture } from "../check/evidence.ts";
import type { AppliedEvent } from "./history.ts";

/**
 * What a hub replica in a process of its own and the runner say to each other over IPC. Each side
 * checks what it receives against these schemas. A state or a view is checked against the
 * protocol's and the API's schemas but handed on as it came, every key kept: a replica's picture
 * is compared whole with the pictures of the others.
 */

/** A value that passes `schema`, kept as it came. */
const checkedAs = <T>(schema: z.ZodType, what: string) => z.custom<T>((v) => schema.safeParse(v).success, { message: `not ${what}` });

const State = checkedAs<AppliedEvent["proposed"]>(z.union([QueryState, ResultState]), "a query or result state");

const Decision = z.strictObject({
  at: z.number(),
  kind: z.enum(["query", "result"]),
  id: z.string(),
  origin: z.enum(["hub", "node"]),
  outcome: z.enum(OUTCOMES),
  proposed: State,
  current: State.optional(),
  storedVersion: z.number().int().optional(),
  messageId: z.string().optional(),
});

/** What a reader reads of one query: its status and each site's row. */
export const QueryRead = z.object({ status: z.string(), nodes: z.array(NodeRowBody) });
export type QueryRead = z.infer<typeof QueryRead>;

const Picture = checkedAs<QueryPicture>(
  z.object({ id: z.string(), read: QueryViewBody, query: QueryState, results: z.array(ResultState) }),
  "a query's picture",
);

/** The run's settings a replica process starts with. */
export const ReplicaStart = z.strictObject({
  type: z.literal("start"),
  replica: z.number().int().min(1),
  incarnation: z.number().int().min(0),
  /** The broker's variables and DATABASE_URL, as environment variables (read as a hub process reads them). */
  env: z.record(z.string(), z.string()),
  prefix: z.string().min(1),
  schema: z.string().min(1),
  nodeIds: z.array(z.string().min(1)).min(1),
  policy: z.string().min(1),
  resultTimeoutMs: z.number().int().positive(),
  heartbeatMs: z.number().int().positive(),
  /** How often it tells the runner what its view shows. */
  pollMs: z.number().int().positive(),
  /** How often its view reads the store on with no wake-up (HubOptions.feedPollMs); the hub's default when absent. */
  feedPollMs: z.number().int().min(0).optional(),
});
export type ReplicaStart = z.infer<typeof ReplicaStart>;

/** What the runner asks of a running replica process; each request is answered once, by its id. */
export const ReplicaCall = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("submit"), definition: QueryDefinition }),
  /** Read the store to its end, then picture these queries as the view shows them. */
  z.strictObject({ op: z.literal("final"), queryIds: z.array(z.string()) }),
  /** Stop consuming and let what is in flight settle; the view stays to be read. */
  z.strictObject({ op: z.literal("quiesce") }),
  /** Stop consuming, close everything and exit. */
  z.strictObject({ op: z.literal("stop") }),
]);
export type ReplicaCall = z.infer<typeof ReplicaCall>;

export const ToReplica = z.discriminatedUnion("type", [
  ReplicaStart,
  z.strictObject({ type: z.literal("request"), id: z.number().int(), call: ReplicaCall }),
]);
export type ToReplica = z.infer<typeof ToReplica>;

/** What each request is answered with. */
export const Answers = {
  submit: z.string().min(1),
  final: z.array(Picture),
  quiesce: z.null(),
  stop: z.null(),
} as const;

export const FromReplica = z.discriminatedUnion("type", [
  /** Its hub runs: it consumes and competes for the duties. */
  z.strictObject({ type: z.literal("ready"), pid: z.number().int() }),
  /** It could not start, or stopped on an error; it exits next. */
  z.strictObject({ type: z.literal("failed"), error: z.string() }),
  z.strictObject({ type: z.literal("decided"), decision: Decision }),
  z.strictObject({ type: z.literal("committed"), at: z.number(), messageIds: z.array(z.string()), proposals: z.number().int().min(0) }),
  z.strictObject({
    type: z.literal("settled"),
    at: z.number(),
    messageId: z.string().optional(),
    envelope: z.string().optional(),
    how: z.enum(["ack", "nack", "deadLetter"]),
    reason: z.string().optional(),
  }),
  /** One frame of its event stream, as a client reads it. */
  z.strictObject({ type: z.literal("frame"), frame: z.string() }),
  /** What its view shows of every query now. */
  z.strictObject({ type: z.literal("reads"), reads: z.record(z.string(), QueryRead) }),
  z.strictObject({ type: z.literal("answer"), id: z.number().int(), value: z.unknown() }),
  z.strictObject({ type: z.literal("refused"), id: z.number().int(), error: z.string() }),
]);
export type FromReplica = z.infer<typeof FromReplica>;

/** The first problem with a message, in a line. */
export function problemOf(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".") || "message"}: ${issue.message}` : "invalid";
}
