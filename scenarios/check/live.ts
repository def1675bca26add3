import type { ConflictEntry, Observation, QueryPicture, RunEvidence, StoredRecord } from "./evidence.ts";
import { READ_CHECKS } from "./invariants/reads.ts";
import { STORE_CHECKS } from "./invariants/store.ts";
import { currentOf } from "./model/model.ts";
import type { Violation } from "./verdict.ts";

/**
 * The checker's invariants that can be judged from outside a running hub, through its API alone:
 * what a reader saw while watching (the event stream and polls), each query's history from the
 * store, and each query as the view shows it. A running hub has no run to replay, no truths of
 * the sites and no decisions to compare, so the rest of the checker's invariants need a scenario.
 */
export const LIVE_INVARIANTS = [
  "no-regression-seen",
  "history-unique",
  "conflicts-by-ladder",
  "summary-equals-rows",
  "view-equals-history",
] as const;
export type LiveInvariant = (typeof LIVE_INVARIANTS)[number];

/** One query as read from a running hub. */
export interface LiveQuery {
  id: string;
  /** As GET /api/queries/<id> shows it. */
  read: QueryPicture["read"] & { itemVersion: number };
  /** GET /api/queries/<id>/history. */
  history: { states: readonly StoredRecord[]; conflicts: readonly ConflictEntry[] };
}

export interface LiveEvidence {
  /** When the watching began. */
  startedAt: number;
  /** What a reader saw, in the order seen. */
  observations: readonly Observation[];
  queries: readonly LiveQuery[];
}

export interface LiveFinding {
  invariant: LiveInvariant;
  item: string;
  message: string;
}

export interface LiveJudgement {
  invariant: LiveInvariant;
  holds: boolean;
  findings: LiveFinding[];
}

/** The evidence as the scenario checker's own invariants read it: nothing of a run but what a reader can see. */
function asRunEvidence(live: LiveEvidence): RunEvidence {
  return {
    scenario: { name: "live", invariants: [], exercises: [] },
    resultTimeoutMs: 0,
    clock: "wall",
    dutiesHeldBack: [],
    startedAt: live.startedAt,
    queryIds: live.queries.map((q) => q.id),
    decisions: [],
    commits: [],
    settlements: [],
    receipts: [],
    forged: [],
    updates: [],
    observations: live.observations,
    listings: [],
    queryEvents: [],
    changes: [],
    stored: live.queries.map((q) => q.history),
    items: [],
    unknownQuery: { states: [], conflicts: [] },
    live: [],
    rebuilt: [],
    replicas: [],
    truths: new Map(),
    defaultObfuscation: { binSize: 5, noiseClamp: 10, lowLimit: 10 },
    minimumObfuscation: { binSize: 5, noiseClamp: 10, lowLimit: 10 },
    rules: {} as RunEvidence["rules"],
  };
}

const renamed = (invariant: LiveInvariant, violations: Violation[]): LiveFinding[] =>
  violations.map((v) => ({ invariant, item: v.item, message: v.message }));

/** The summary a reader reads is the sum of the rows: every completed count once, every site once. */
function summaryFindings(q: LiveQuery): LiveFinding[] {
  const rows = q.read.nodes;
  const sites = rows.map((r) => r.nodeId);
  const twice = sites.find((s, i) => sites.indexOf(s) !== i);
  const sum = rows.reduce((s, r) => s + (r.status === "completed" && r.count !== null && r.count >= 0 ? r.count : 0), 0);
  const out: LiveFinding[] = [];
  if (twice) out.push({ invariant: "summary-equals-rows", item: q.id, message: `query ${q.id}: site ${twice} has more than one row` });
  if (q.read.summary.totalCount !== sum || q.read.summary.nodes !== rows.length)
    out.push({
      invariant: "summary-equals-rows",
      item: q.id,
      message: `query ${q.id}: totalCount ${q.read.summary.totalCount} over ${q.read.summary.nodes} sites, but the rows' counts sum to ${sum} over ${rows.length}`,
    });
  return out;
}

/** What a view rebuilt by the model from the store's history shows: each item's current state. */
function viewFindings(q: LiveQuery): LiveFinding[] {
  const out: LiveFinding[] = [];
  const states = q.history.states;
  const query = currentOf(
    "query",
    states.filter((s) => s.kind === "query").map((s) => s.state),
  );
  if (query && (query.status !== q.read.status || query.versionInfo.itemVersion !== q.read.itemVersion))
    out.push({
      invariant: "view-equals-history",
      item: q.id,
      message: `query ${q.id}: the view shows ${q.read.status} v${q.read.itemVersion}, its history's current state is ${query.status} v${query.versionInfo.itemVersion}`,
    });
  for (const row of q.read.nodes) {
    const id = `${q.id}:${row.nodeId}`;
    const current = currentOf(
      "result",
      states.filter((s) => s.kind === "result" && s.id === id).map((s) => s.state),
    ) as (StoredRecord["state"] & { count?: number | null }) | undefined;
    if (!current) continue;
    const count = current.status === "completed" ? (current.count ?? null) : row.count;
    if (current.status === row.status && current.versionInfo.itemVersion === row.itemVersion && count === row.count) continue;
    out.push({
      invariant: "view-equals-history",
      item: id,
      message: `result ${id}: the view shows ${row.status} v${row.itemVersion}${row.count !== null ? ` count ${row.count}` : ""}, its history's current state is ${current.status} v${current.versionInfo.itemVersion}${count !== null && count !== undefined ? ` count ${count}` : ""}`,
    });
  }
  return out;
}

/** Judges every live invariant; each holds when it has no finding. */
export function judgeLive(live: LiveEvidence): LiveJudgement[] {
  const evidence = asRunEvidence(live);
  const findings: Record<LiveInvariant, LiveFinding[]> = {
    "no-regression-seen": renamed("no-regression-seen", READ_CHECKS["monotone-reads"](evidence)),
    "history-unique": renamed("history-unique", STORE_CHECKS["stored-once"](evidence)),
    "conflicts-by-ladder": renamed("conflicts-by-ladder", STORE_CHECKS["conflicts-by-ladder"](evidence)),
    "summary-equals-rows": live.queries.flatMap(summaryFindings),
    "view-equals-history": live.queries.flatMap(viewFindings),
  };
  return LIVE_INVARIANTS.map((invariant) => ({ invariant, holds: findings[invariant].length === 0, findings: findings[invariant] }));
}
