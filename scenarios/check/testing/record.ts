import type { ConflictEntry, Decision, ItemState, QueryPicture, Receipt, RunEvidence, Settlement, StoredRecord } from "../evidence.ts";
import { countDisplayOf, statusTextOf } from "../display.ts";
import { INVARIANTS } from "../invariants.ts";
import { type ItemKind, isFinal, stageOf } from "../model/ladder.ts";
import { ReferenceModel } from "../model/model.ts";
import { RULES, type RuleCounts } from "../rules.ts";

/**
 * The record a hub that keeps every rule would leave of a few proposals, built with the reference
 * model: decisions, commits before acks, the store's states and conflict log, a reader's events,
 * and the view. A test of an invariant breaks one thing in it, the way a broken hub would, and
 * expects the invariant to notice.
 */

export const Q = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b";
export const T0 = Date.UTC(2026, 0, 1);

export interface Step {
  /** Milliseconds into the run. */
  at: number;
  kind?: ItemKind;
  origin: "hub" | "node";
  state: ItemState & Record<string, unknown>;
  messageId?: string;
}

export const query = (itemVersion: number, status: string, nodeIds: string[]) => ({
  id: Q,
  versionInfo: { itemVersion },
  status,
  nodeIds,
});

export const result = (nodeId: string, itemVersion: number, status: string, extra: Record<string, unknown> = {}) => ({
  id: `${Q}:${nodeId}`,
  queryId: Q,
  nodeId,
  versionInfo: { itemVersion },
  status,
  ...extra,
});

/** The hub's fan-out at t=0: the query, then created and sentToNode for each site. */
export const fanOut = (nodeIds: string[]): Step[] => [
  { at: 0, kind: "query", origin: "hub", state: query(1, "created", nodeIds) },
  ...nodeIds.flatMap((n): Step[] => [
    { at: 0, origin: "hub", state: result(n, 1, "created") },
    { at: 0, origin: "hub", state: result(n, 2, "sentToNode") },
  ]),
];

/** What a completed count that is true and unobfuscated looks like to the checker. */
const DEFAULT_OBFUSCATION = { binSize: 5, noiseClamp: 10, lowLimit: 10 };

export function correctRecord(steps: readonly Step[], resultTimeoutMs = 60_000): RunEvidence {
  const model = new ReferenceModel();
  let seq = 0;
  const decisions: Decision[] = [];
  const commits: RunEvidence["commits"][number][] = [];
  const settlements: Settlement[] = [];
  const receipts: Receipt[] = [];
  /** Commits, receipts and settlements share one order. */
  let order = 0;
  const states: StoredRecord[] = [];
  const conflicts: ConflictEntry[] = [];
  const observations: RunEvidence["observations"][number][] = [];
  const changes: RunEvidence["changes"][number][] = [];
  const queryEvents: RunEvidence["queryEvents"][number][] = [];
  for (const step of steps) {
    const kind = step.kind ?? "result";
    const at = T0 + step.at;
    const before = model.current(kind, step.state.id);
    const d = model.apply({ kind, origin: step.origin, state: step.state });
    decisions.push({
      n: decisions.length + 1,
      at,
      kind,
      id: step.state.id,
      origin: step.origin,
      outcome: d.outcome,
      proposed: step.state,
      storedVersion: d.storedVersion,
      current: d.current,
      messageId: step.messageId,
    });
    let position: number | undefined;
    if (d.storedVersion !== undefined) {
      position = seq + 1;
      const state = model.stored(kind, step.state.id).find((s) => s.versionInfo.itemVersion === d.storedVersion) as ItemState;
      states.push({
        seq: ++seq,
        kind,
        id: state.id,
        itemVersion: d.storedVersion,
        state,
        outcome: d.outcome,
        messageId: step.messageId ?? null,
        storedAt: new Date(at).toISOString(),
      });
    }
    if (d.outcome === "conflict-rebased" || d.outcome === "conflict-discarded") {
      conflicts.push({
        seq: ++seq,
        kind,
        id: step.state.id,
        itemVersion: step.state.versionInfo.itemVersion,
        proposed: step.state,
        collidedWith: model
          .stored(kind, step.state.id)
          .find((s) => s.versionInfo.itemVersion === step.state.versionInfo.itemVersion) as ItemState,
        resolution: d.outcome === "conflict-rebased" ? "rebased" : "discarded",
        rebasedTo: d.storedVersion ?? null,
        messageId: step.messageId ?? null,
      });
    }
    if (step.messageId !== undefined) {
      receipts.push({ seq: ++order, at, messageId: step.messageId, type: "result-update" });
      commits.push({ seq: ++order, at, messageIds: [step.messageId], proposals: 1 });
      settlements.push({
        seq: ++order,
        at,
        messageId: step.messageId,
        type: "result-update",
        ...(d.outcome === "rejected" ? { how: "deadLetter", reason: d.reason } : { how: "ack" }),
      });
    }
    if (d.current && d.current !== before) {
      const c = d.current;
      changes.push({ at, listener: 0, how: "changed", kind, queryId: kind === "query" ? c.id : c.queryId, nodeId: c.nodeId, state: c });
      if (kind === "query" && position !== undefined)
        queryEvents.push({ at, position, queryId: c.id, status: c.status as string, itemVersion: c.versionInfo.itemVersion });
    }
    if (kind === "result" && d.current && d.current !== before) {
      const c = d.current;
      observations.push({
        at,
        source: "event",
        ...(position !== undefined && { position }),
        queryId: Q,
        nodeId: c.nodeId as string,
        stage: stageOf("result", c.status),
        itemVersion: c.versionInfo.itemVersion,
        status: c.status as string,
        statusText: statusTextOf(c) as string,
        countDisplay: countDisplayOf(c, DEFAULT_OBFUSCATION.lowLimit),
      });
    }
  }
  const picture = pictureOf(model);
  const updates = steps
    .filter((s) => s.origin === "node")
    .map((s) => ({ at: T0 + s.at, nodeId: s.state.nodeId as string, messageId: s.messageId ?? "-", result: s.state }));
  const counted = new Map<string, { trueCount: number; reportedCount: number }[]>();
  for (const u of updates) {
    const count = (u.result as { count?: number }).count;
    if (count !== undefined) counted.set(u.result.id, [{ trueCount: count, reportedCount: count }]);
  }
  return {
    scenario: { name: "record", invariants: [...INVARIANTS], exercises: [] },
    resultTimeoutMs,
    startedAt: T0,
    clock: "virtual",
    dutiesHeldBack: [],
    queryIds: [Q],
    decisions,
    commits,
    settlements,
    receipts,
    forged: [],
    updates,
    observations,
    listings: [],
    queryEvents,
    changes,
    stored: [{ states, conflicts }],
    storeCounts: { states: states.length, conflicts: conflicts.length },
    items: [...new Set(states.map((s) => s.id))].map((id) => {
      const of = states.filter((s) => s.id === id);
      return { kind: (of[0] as StoredRecord).kind, id, states: of };
    }),
    unknownQuery: { states: [], conflicts: [] },
    live: picture,
    rebuilt: picture,
    replicas: [{ replica: 0, pictures: picture }],
    truths: counted,
    defaultObfuscation: DEFAULT_OBFUSCATION,
    minimumObfuscation: DEFAULT_OBFUSCATION,
    rules: Object.fromEntries(RULES.map((r) => [r, 0])) as RuleCounts,
  };
}

/** The view of a hub that shows each item's current state, as the model has it. */
function pictureOf(model: ReferenceModel): QueryPicture[] {
  const q = model.current("query", Q);
  if (!q) return [];
  const results = [...model.currents()].filter((c) => c.kind === "result").map((c) => c.current as ItemState & { count?: number });
  const nodes = results
    .map((r) => ({
      nodeId: r.nodeId as string,
      status: r.status as string,
      stage: stageOf("result", r.status),
      itemVersion: r.versionInfo.itemVersion,
      count: r.count ?? null,
      statusText: statusTextOf(r) as string,
      countDisplay: countDisplayOf(r, DEFAULT_OBFUSCATION.lowLimit),
      breakdowns: null,
    }))
    .sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
  const done = results.length > 0 && results.every((r) => isFinal("result", r.status));
  const totalCount = nodes.reduce((s, n) => s + (n.status === "completed" && n.count !== null && n.count >= 0 ? n.count : 0), 0);
  const lowerBound = nodes.some((n) => n.status === "completed" && n.count === -1);
  return [
    {
      id: Q,
      read: {
        status: done ? "done" : (q.status as string),
        nodes,
        summary: { nodes: nodes.length, totalCount, totalDisplay: `${lowerBound ? "at least " : ""}${totalCount}` },
      },
      query: q,
      results,
    },
  ];
}
