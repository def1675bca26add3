import type { FastifyInstance } from "fastify";
import type { ConflictRecord, Store, StoredState } from "../../shared/ports/store.ts";
import type { ResultState } from "../../shared/protocol/items.ts";
import { QueryIdParams, validationError } from "./schemas.ts";

/** One stored state as the history shows it: the state, where it sits in store order, and what stored it. */
export interface HistoryState {
  seq: number;
  kind: StoredState["kind"];
  id: string;
  /** The node of a result; null for the query itself. */
  nodeId: string | null;
  itemVersion: number;
  outcome: StoredState["outcome"];
  messageId: string | null;
  storedAt: string;
  state: StoredState["state"];
}

export interface QueryHistory {
  queryId: string;
  /** Every stored state of the query and its results, in store order. */
  states: HistoryState[];
  /** Every proposal that collided with a different state at its (id, itemVersion), in store order. */
  conflicts: ConflictRecord[];
  summary: {
    states: number;
    byOutcome: Record<StoredState["outcome"], number>;
    conflicts: { rebased: number; discarded: number };
  };
}

/**
 * The audit trail of one query, read from the store rather than the view: the store is the
 * record, and with several hubs it holds what another hub applied before this hub's view does.
 * Duplicates are absent by construction: a duplicate writes nothing.
 */
export async function queryHistory(store: Pick<Store, "history">, queryId: string): Promise<QueryHistory | undefined> {
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
export function registerHistory(app: FastifyInstance, deps: { store: Pick<Store, "history"> }): void {
  app.get("/api/queries/:id/history", async (request, reply) => {
    const params = QueryIdParams.safeParse(request.params);
    if (!params.success) return reply.code(400).send(validationError(params.error));
    const history = await queryHistory(deps.store, params.data.id);
    if (!history) return reply.code(404).send({ error: `no query ${params.data.id}` });
    return history;
  });
}
