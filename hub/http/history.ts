import type { Store } from "../../shared/ports/store.ts";
import type { DuplicateLog } from "../duplicates.ts";
import type { ResultState } from "../../shared/protocol/items.ts";
import { answer, ErrorBody, type QueryHistory, QueryHistoryBody, ValidationErrorBody } from "./responses.ts";
import { type Api, QueryIdParams } from "./schemas.ts";

export type { QueryHistory } from "./responses.ts";

/**
 * The audit trail of one query, read from the store rather than the view: the store is the
 * record, and with several hubs it holds what another hub applied before this hub's view does.
 * A duplicate writes nothing, so the store has none: `duplicates` are those this hub process absorbed.
 */
export async function queryHistory(
  store: Pick<Store, "history">,
  queryId: string,
  duplicates?: DuplicateLog,
): Promise<QueryHistory | undefined> {
  const { states, conflicts } = await store.history(queryId);
  if (!states.some((s) => s.kind === "query")) return undefined;
  const byOutcome: QueryHistory["summary"]["byOutcome"] = { applied: 0, "applied-late": 0, "conflict-rebased": 0 };
  for (const s of states) byOutcome[s.outcome]++;
  return {
    queryId,
    states: states.map((s) => ({
      seq: s.seq,
      kind: s.kind,
      id: s.id,
      nodeId: s.kind === "result" ? (s.state as ResultState).nodeId : null,
      itemVersion: s.itemVersion,
      outcome: s.outcome,
      messageId: s.messageId,
      storedAt: s.storedAt,
      state: s.state,
    })),
    conflicts,
    duplicates: [...(duplicates?.of(queryId) ?? [])],
    summary: {
      states: states.length,
      byOutcome,
      conflicts: {
        rebased: conflicts.filter((c) => c.resolution === "rebased").length,
        discarded: conflicts.filter((c) => c.resolution === "discarded").length,
      },
    },
  };
}

/** `GET /api/queries/:id/history` of PROTOCOL.md section 6: 400 for an id that is not a UUID, 404 for an unknown query. */
export function registerHistory(api: Api, deps: { store: Pick<Store, "history">; duplicates?: DuplicateLog }): void {
  api.get(
    "/api/queries/:id/history",
    {
      schema: {
        tags: ["queries"],
        summary: "The audit trail of one query: every stored state in store order, with the outcome that stored it, and the conflicts",
        description:
          "Read from the store, not the view, so it is complete even with several hubs on one database. Duplicates are absent: a duplicate writes nothing.",
        params: QueryIdParams,
        response: {
          200: answer("The query's history", QueryHistoryBody),
          400: answer("The id is not a UUID", ValidationErrorBody),
          404: answer("No such query", ErrorBody),
        },
      },
    },
    async (request, reply) => {
      const history = await queryHistory(deps.store, request.params.id, deps.duplicates);
      if (!history) return reply.code(404).send({ error: `no query ${request.params.id}` });
      return history;
    },
  );
}
