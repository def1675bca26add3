/**
 * The status ladders of PROTOCOL.md section 2, written out again on purpose: the checker judges
 * the hub by its own reading of the protocol, so a mistake in the hub's table is not also a
 * mistake here. Nothing in scenarios/check/ imports the hub's.
 */

export type ItemKind = "query" | "result";

/** One rung: how it ranks, whether it ends the item, and who may set it. */
export interface Rung {
  stage: number;
  final: boolean;
  setBy: "hub" | "node";
}

const RESULT_LADDER: Readonly<Record<string, Rung>> = {
  created: { stage: 100, final: false, setBy: "hub" },
  sentToNode: { stage: 200, final: false, setBy: "hub" },
  receivedByNode: { stage: 300, final: false, setBy: "node" },
  queuedAtNode: { stage: 400, final: false, setBy: "node" },
  running: { stage: 700, final: false, setBy: "node" },
  timedOut: { stage: 1100, final: true, setBy: "hub" },
  failed: { stage: 1200, final: true, setBy: "node" },
  completed: { stage: 1400, final: true, setBy: "node" },
};

/** The query's own: created -> dispatched -> done, or failed. Only the hub writes a query. */
const QUERY_LADDER: Readonly<Record<string, Rung>> = {
  created: { stage: 100, final: false, setBy: "hub" },
  dispatched: { stage: 200, final: false, setBy: "hub" },
  done: { stage: 300, final: true, setBy: "hub" },
  failed: { stage: 300, final: true, setBy: "hub" },
};

/** The rung of a status, or undefined for a status the protocol does not have. A query state without one is created. */
export function rungOf(kind: ItemKind, status: string | undefined): Rung | undefined {
  if (kind === "query") return Object.hasOwn(QUERY_LADDER, status ?? "created") ? QUERY_LADDER[status ?? "created"] : undefined;
  return status !== undefined && Object.hasOwn(RESULT_LADDER, status) ? RESULT_LADDER[status] : undefined;
}

/** The stage of a status; a status the protocol does not have ranks below every real one. */
export const stageOf = (kind: ItemKind, status: string | undefined): number => rungOf(kind, status)?.stage ?? Number.NEGATIVE_INFINITY;

export const isFinal = (kind: ItemKind, status: string | undefined): boolean => rungOf(kind, status)?.final === true;
