import { type ItemKind, type ItemState, comparePrecedence, precedenceOf } from "../../shared/apply/precedence.ts";
import type { QueryDefinition } from "../../shared/protocol/definition.ts";
import type { QueryState, ResultState } from "../../shared/protocol/items.ts";
import { type QueryStatus, RESULT_LADDER, type ResultStatus, resultStage } from "../../shared/protocol/status.ts";
import { Column } from "../../shared/packed/column.ts";
import { ResultFields, ResultTexts } from "../../shared/packed/results.ts";
import { type NetworkBreakdown, networkBreakdowns, type SiteBreakdown, siteBreakdowns } from "./breakdowns.ts";
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
  /** The breakdowns a completed site reported; null when its state carries none. */
  breakdowns: SiteBreakdown[] | null;
}

export interface QuerySummary {
  nodes: number;
  completed: number;
  failed: number;
  pending: number;
  totalCount: number;
  totalDisplay: string;
  /** Each breakdown the query asked for, summed over the completed sites; empty when it asked for none. */
  breakdowns: NetworkBreakdown[];
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
  /** Each site's row among the view's result columns, in the order the sites first appeared. */
  rows: Map<string, number>;
  /** Results shown in a status that is not final: answers allFinal without a scan of every site. */
  unfinished: number;
}

/**
 * The read side: one row per query and site, derived from stored states only. It takes a state
 * only when it outranks what is shown, so whatever order states arrive in, a reader never sees
 * a result or a query move to a lower precedence. Replaying the store rebuilds it.
 *
 * A million results are a million rows, so a row keeps its shown state packed (the store's
 * result columns: its text once, its fields as numbers) and builds the object when read; a state
 * that would not rebuild exactly is kept as it is.
 */
export class StatusView {
  private readonly entries = new Map<string, Entry>();
  private readonly order: string[] = [];
  private readonly listeners = new Set<(change: ViewChange) => void>();
  /** Per row, the text of its result: the row number is its item. */
  private readonly texts = new ResultTexts();
  /** Per row, the fields of the state it shows. */
  private readonly fields = new ResultFields();
  /** Hub-clock time each row last moved, for the overdue poller. */
  private readonly movedAt = new Column((n) => new Float64Array(n));
  /** The shown states of rows whose state is not packed. */
  private readonly unpacked = new Map<number, ResultState>();

  /** Take a stored state into the view; answers whether the view changed. `at` is the hub clock. */
  take(kind: ItemKind, state: ItemState, at: number): boolean {
    if (kind === "query") return this.takeQuery(state as QueryState);
    return this.takeResult(state as ResultState, at);
  }

  private takeQuery(state: QueryState): boolean {
    const entry = this.entries.get(state.id);
    // Stryker disable next-line StringLiteral,BooleanLiteral: any kind but "result" ranks as a query; a query state not taken is that very state again, or one the view skipped (the next was taken first from its own hub's write): the feed then sends it under its own position too, below the next, for query states rise in store order; and no other caller reads take's answer
    if (entry !== undefined && comparePrecedence("query", state, entry.query) <= 0) return false;
    if (entry) entry.query = state;
    else {
      this.entries.set(state.id, { query: state, rows: new Map(), unfinished: 0 });
      this.order.push(state.id);
    }
    this.emit({ kind: "query", queryId: state.id, state });
    // Stryker disable next-line BooleanLiteral: take's answer decides nothing in the hub: the feed sends a state's event when the view shows it (shows), which it does whenever take changed it, and no other caller reads it
    return true;
  }

  private takeResult(state: ResultState, at: number): boolean {
    const entry = this.entries.get(state.queryId);
    // Stryker disable next-line ConditionalExpression,BooleanLiteral: the fan-out stores a query before its results, in one step, and a view takes states in store order, so a result's query is always there
    if (!entry) return false;
    let row = entry.rows.get(state.nodeId);
    let wasUnfinished = false;
    if (row === undefined) {
      row = this.texts.add(state);
      // The row's own copy of the node id when it has one: the key outlives the message it came in.
      entry.rows.set(this.texts.fits(row, state) ? this.texts.nodeId(row) : state.nodeId, row);
    } else {
      const shown = this.statusOf(row);
      if (precedenceOf(resultStage(state.status), state.versionInfo.itemVersion, resultStage(shown), this.versionOf(row)) <= 0)
        return false;
      wasUnfinished = !RESULT_LADDER[shown].final;
    }
    // Stryker disable next-line AssignmentOperator: counted the other way the count runs from minus the rows up to 0 instead of down to 0, reaching 0 exactly when every row is final, and it is read only as "=== 0"
    entry.unfinished += (RESULT_LADDER[state.status].final ? 0 : 1) - (wasUnfinished ? 1 : 0);
    // Stryker disable next-line ConditionalExpression: a state kept unpacked reads back as the very state; packing saves memory only
    if (this.texts.fits(row, state) ? this.fields.write(row, state) : this.fields.clear(row)) this.unpacked.delete(row);
    else this.unpacked.set(row, state);
    this.movedAt.set(row, at);
    this.emit({ kind: "result", queryId: state.queryId, nodeId: state.nodeId, state });
    // Stryker disable next-line BooleanLiteral: take's answer decides nothing in the hub: the feed sends a state's event when the view shows it (shows), which it does whenever take changed it, and no other caller reads it
    return true;
  }

  /** Whether the view shows this very state of its item: its version, which the store holds once. */
  shows(kind: ItemKind, state: ItemState): boolean {
    const version = state.versionInfo.itemVersion;
    // Stryker disable next-line OptionalChaining: the feed asks after take, which makes a query's entry
    if (kind === "query") return this.entries.get(state.id)?.query.versionInfo.itemVersion === version;
    const r = state as ResultState;
    // Stryker disable next-line OptionalChaining: as in takeResult, a result's query is always in the view
    const row = this.entries.get(r.queryId)?.rows.get(r.nodeId);
    return row !== undefined && this.versionOf(row) === version;
  }

  private statusOf(row: number): ResultStatus {
    return this.fields.packed(row) ? this.fields.status(row) : (this.unpacked.get(row) as ResultState).status;
  }

  private versionOf(row: number): number {
    return this.fields.packed(row) ? this.fields.itemVersion(row) : (this.unpacked.get(row) as ResultState).versionInfo.itemVersion;
  }

  /** The state a row shows: built afresh from its columns, or the one kept as it is. */
  private stateOf(row: number): ResultState {
    return this.fields.packed(row) ? this.fields.read(row, this.texts, row) : (this.unpacked.get(row) as ResultState);
  }

  private statesOf(entry: Entry): ResultState[] {
    return Array.from(entry.rows.values(), (row) => this.stateOf(row));
  }

  /** Calls `listener` with each change from now on, for as long as the view lives. */
  onChange(listener: (change: ViewChange) => void): void {
    this.listeners.add(listener);
  }

  private emit(change: ViewChange): void {
    for (const l of this.listeners) l(change);
  }

  /** Every query id, oldest first. */
  queryIds(): readonly string[] {
    return this.order;
  }

  query(queryId: string): QueryState | undefined {
    // Stryker disable next-line OptionalChaining: no caller asks for a query the view does not hold: the hub asks for the ids queryIds gives or the query it just stored, and the API looks a query up by get
    return this.entries.get(queryId)?.query;
  }

  /** The shown state of each result of a query. */
  results(queryId: string): ResultState[] {
    const entry = this.entries.get(queryId);
    // Stryker disable next-line ArrayDeclaration: no caller asks for the results of a query the view does not hold: the hub never does, the runner asks for those get found
    return entry ? this.statesOf(entry) : [];
  }

  result(queryId: string, nodeId: string): ResultState | undefined {
    // Stryker disable next-line OptionalChaining: the hub asks for the results of a query it holds only, each of a site the query was sent to, whose row the fan-out made with the query
    const row = this.entries.get(queryId)?.rows.get(nodeId);
    return row === undefined ? undefined : this.stateOf(row);
  }

  /** Whether every result of the query has reached a final status. */
  allFinal(queryId: string): boolean {
    const entry = this.entries.get(queryId);
    return entry !== undefined && entry.rows.size > 0 && entry.unfinished === 0;
  }

  /** Non-final results that have not moved since `before` (hub clock). */
  *stalled(before: number): Generator<ResultState> {
    for (const entry of this.entries.values()) {
      if (entry.unfinished === 0) continue;
      for (const row of entry.rows.values()) {
        if (!RESULT_LADDER[this.statusOf(row)].final && this.movedAt.at(row) < before) yield this.stateOf(row);
      }
    }
  }

  get(queryId: string): QueryView | undefined {
    const entry = this.entries.get(queryId);
    return entry ? render(entry.query, this.statesOf(entry)) : undefined;
  }

  /**
   * Queries newest first; `offset` and `limit` page through them. With a filter, only the queries
   * of that status and researcher, `total` counting those.
   */
  list(offset: number, limit: number, filter: { status?: string; researcherId?: string } = {}): { items: QueryView[]; total: number } {
    const { status, researcherId } = filter;
    const matching: string[] = [];
    for (let i = this.order.length - 1; i >= 0; i--) {
      const id = this.order[i] as string;
      const q = (this.entries.get(id) as Entry).query;
      // Stryker disable next-line StringLiteral: every query state the view holds is the hub's own write, which names its status
      if ((status === undefined || (q.status ?? "created") === status) && (researcherId === undefined || q.researcherId === researcherId))
        matching.push(id);
    }
    return { items: matching.slice(offset, offset + limit).map((id) => this.get(id) as QueryView), total: matching.length };
  }

  /** Every query and result as shown, for comparing two views; a result with the hub-clock time its row last moved. */
  *shown(): Generator<{ kind: ItemKind; state: ItemState; at?: number }> {
    for (const id of this.order) {
      const entry = this.entries.get(id) as Entry;
      yield { kind: "query", state: entry.query };
      // Stryker disable next-line StringLiteral: the snapshot writes any kind but "query" as a result
      for (const row of entry.rows.values()) yield { kind: "result", state: this.stateOf(row), at: this.movedAt.at(row) };
    }
  }
}

function render(q: QueryState, results: ResultState[]): QueryView {
  const nodes = [...results].sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1)).map(nodeRow);
  const completed = results.filter((r) => r.status === "completed").length;
  const failed = results.filter((r) => RESULT_LADDER[r.status].error).length;
  return {
    id: q.id,
    // Stryker disable next-line StringLiteral: every query state the view holds is the hub's own write, which names its status
    status: q.status ?? "created",
    researcherId: q.researcherId,
    definition: q.definition,
    submittedAt: q.submittedAt,
    itemVersion: q.versionInfo.itemVersion,
    nodes,
    summary: {
      nodes: results.length,
      completed,
      failed,
      pending: results.length - completed - failed,
      ...totalOf(results),
      // Stryker disable next-line ArrayDeclaration: networkBreakdowns asks only whether a kind of its own table is among those requested, which a stray name never is
      breakdowns: networkBreakdowns(q.definition.breakdowns ?? [], results),
    },
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
    breakdowns: siteBreakdowns(r),
  };
}
