import { type ItemKind, type ItemState, comparePrecedence } from "../../shared/apply/precedence.ts";
import type { QueryDefinition } from "../../shared/protocol/definition.ts";
import type { QueryState, ResultState } from "../../shared/protocol/items.ts";
import { type QueryStatus, RESULT_LADDER, type ResultStatus } from "../../shared/protocol/status.ts";
import { countDisplay, statusText, totalOf } from "./display.ts";

/** One site's row of a query, as PROTOCOL.md section 6 shapes it. */
export interface NodeRow {
  nodeId: string;
  status: ResultStatus;
  stage: number;
  final: boolean;
  progress: number | null;
  count: number | null;
  countDisplay: string | null;
  statusText: string;
  statusMessage: string | null;
  itemVersion: number;
  updatedAt: string;
}

export interface QuerySummary {
  nodes: number;
  completed: number;
  failed: number;
  pending: number;
  totalCount: number;
  totalDisplay: string;
}

export interface QueryView {
  id: string;
  status: QueryStatus;
  researcherId: string;
  definition: QueryDefinition;
  submittedAt: string;
  itemVersion: number;
  nodes: NodeRow[];
  summary: QuerySummary;
}

/** A change a reader can observe: which item moved, and to what. */
export interface ViewChange {
  kind: ItemKind;
  queryId: string;
  nodeId?: string;
  state: ItemState;
}

interface Entry {
  query: QueryState;
  results: Map<string, ResultState>;
  /** Hub-clock time each result last moved, for the overdue poller. */
  movedAt: Map<string, number>;
  /** Results shown in a status that is not final: answers allFinal without a scan of every site. */
  unfinished: number;
}

/**
 * The read side: one row per query and site, derived from stored states only. It takes a state
 * only when it outranks what is shown, so whatever order states arrive in, a reader never sees
 * a result or a query move to a lower precedence. Replaying the store rebuilds it.
 */
export class StatusView {
  private readonly entries = new Map<string, Entry>();
  private readonly order: string[] = [];
  private readonly listeners = new Set<(change: ViewChange) => void>();

  /** Take a stored state into the view; answers whether the view changed. `at` is the hub clock. */
  take(kind: ItemKind, state: ItemState, at: number): boolean {
    if (kind === "query") return this.takeQuery(state as QueryState);
    return this.takeResult(state as ResultState, at);
  }

  private takeQuery(state: QueryState): boolean {
    const entry = this.entries.get(state.id);
    if (!entry) {
      this.entries.set(state.id, { query: state, results: new Map(), movedAt: new Map(), unfinished: 0 });
      this.order.push(state.id);
    } else if (comparePrecedence("query", state, entry.query) > 0) {
      entry.query = state;
    } else return false;
    this.emit({ kind: "query", queryId: state.id, state });
    return true;
  }

  private takeResult(state: ResultState, at: number): boolean {
    const entry = this.entries.get(state.queryId);
    if (!entry) return false;
    const shown = entry.results.get(state.nodeId);
    if (shown && comparePrecedence("result", state, shown) <= 0) return false;
    entry.unfinished += (RESULT_LADDER[state.status].final ? 0 : 1) - (shown === undefined || RESULT_LADDER[shown.status].final ? 0 : 1);
    entry.results.set(state.nodeId, state);
    entry.movedAt.set(state.nodeId, at);
    this.emit({ kind: "result", queryId: state.queryId, nodeId: state.nodeId, state });
    return true;
  }

  onChange(listener: (change: ViewChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: ViewChange): void {
    for (const l of this.listeners) l(change);
  }

  has(queryId: string): boolean {
    return this.entries.has(queryId);
  }

  size(): number {
    return this.entries.size;
  }

  /** Every query id, oldest first. */
  queryIds(): readonly string[] {
    return this.order;
  }

  query(queryId: string): QueryState | undefined {
    return this.entries.get(queryId)?.query;
  }

  /** The shown state of each result of a query. */
  results(queryId: string): ResultState[] {
    return [...(this.entries.get(queryId)?.results.values() ?? [])];
  }

  result(queryId: string, nodeId: string): ResultState | undefined {
    return this.entries.get(queryId)?.results.get(nodeId);
  }

  /** Whether every result of the query has reached a final status. */
  allFinal(queryId: string): boolean {
    const entry = this.entries.get(queryId);
    return entry !== undefined && entry.results.size > 0 && entry.unfinished === 0;
  }

  /** Non-final results that have not moved since `before` (hub clock). */
  *stalled(before: number): Generator<ResultState> {
    for (const entry of this.entries.values()) {
      if (entry.unfinished === 0) continue;
      for (const [nodeId, r] of entry.results) {
        if (!RESULT_LADDER[r.status].final && (entry.movedAt.get(nodeId) ?? 0) < before) yield r;
      }
    }
  }

  get(queryId: string): QueryView | undefined {
    const entry = this.entries.get(queryId);
    return entry ? render(entry) : undefined;
  }

  /** Queries newest first; `offset` and `limit` page through them. */
  list(offset: number, limit: number): { items: QueryView[]; total: number } {
    const ids = this.order
      .slice()
      .reverse()
      .slice(offset, offset + limit);
    return { items: ids.map((id) => render(this.entries.get(id) as Entry)), total: this.order.length };
  }

  /** Every query and result as shown, for comparing two views. */
  *shown(): Generator<{ kind: ItemKind; state: ItemState }> {
    for (const id of this.order) {
      const entry = this.entries.get(id) as Entry;
      yield { kind: "query", state: entry.query };
      for (const r of entry.results.values()) yield { kind: "result", state: r };
    }
  }
}

function render(entry: Entry): QueryView {
  const nodes = [...entry.results.values()].sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1)).map(nodeRow);
  const results = [...entry.results.values()];
  const completed = results.filter((r) => r.status === "completed").length;
  const failed = results.filter((r) => RESULT_LADDER[r.status].error).length;
  const q = entry.query;
  return {
    id: q.id,
    status: q.status ?? "created",
    researcherId: q.researcherId,
    definition: q.definition,
    submittedAt: q.submittedAt,
    itemVersion: q.versionInfo.itemVersion,
    nodes,
    summary: { nodes: results.length, completed, failed, pending: results.length - completed - failed, ...totalOf(results) },
  };
}

/** One site's row as a reader sees it. */
export function nodeRow(r: ResultState): NodeRow {
  const step = RESULT_LADDER[r.status];
  return {
    nodeId: r.nodeId,
    status: r.status,
    stage: step.stage,
    final: step.final,
    progress: r.status === "completed" ? 1 : (r.progress ?? null),
    count: r.count ?? null,
    countDisplay: countDisplay(r),
    statusText: statusText(r),
    statusMessage: r.statusMessage ?? null,
    itemVersion: r.versionInfo.itemVersion,
    updatedAt: r.versionInfo.changeDate,
  };
}
