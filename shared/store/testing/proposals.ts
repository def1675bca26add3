import type { ItemKind, ItemState } from "../../apply/precedence.ts";
import type { Proposal } from "../../ports/store.ts";
import { resultId } from "../../protocol/ids.ts";
import type { QueryState, ResultState } from "../../protocol/items.ts";
import type { QueryStatus, ResultStatus } from "../../protocol/status.ts";

/** Items and proposals for store tests: every engine's tests build them the same way. */

export const T0 = "2026-01-01T00:00:00.000Z";

export function versionInfo(itemVersion: number, changeDate = T0) {
  return { protocolVersion: 1 as const, itemVersion, createDate: T0, changeDate };
}

export function queryState(id: string, itemVersion: number, status: QueryStatus, nodeIds: string[]): QueryState {
  return {
    id,
    versionInfo: versionInfo(itemVersion),
    researcherId: "researcher-1",
    definition: { panels: [{ concepts: ["dx:E11.9"] }] },
    submittedAt: T0,
    status,
    nodeIds,
  };
}

export function resultState(
  queryId: string,
  nodeId: string,
  itemVersion: number,
  status: ResultStatus,
  extra: Partial<ResultState> = {},
): ResultState {
  return { id: resultId(queryId, nodeId), queryId, nodeId, versionInfo: versionInfo(itemVersion), status, ...extra };
}

export const hubProposal = (kind: ItemKind, state: ItemState, messageId?: string): Proposal => ({ kind, state, origin: "hub", messageId });
export const nodeProposal = (state: ResultState, messageId?: string): Proposal => ({ kind: "result", state, origin: "node", messageId });

/** The hub's fan-out of a query to its nodes: the query and a sentToNode result per node. */
export function fanOut(queryId: string, nodeIds: string[]): Proposal[] {
  return [
    hubProposal("query", queryState(queryId, 1, "created", nodeIds)),
    ...nodeIds.map((n) => hubProposal("result", resultState(queryId, n, 1, "sentToNode"))),
  ];
}
