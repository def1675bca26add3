import type { Proposal } from "../ports/store.ts";
import type { Delivery } from "../ports/transport.ts";
import type { ResultState } from "../protocol/items.ts";
import type { Message } from "../protocol/messages.ts";
import { RESULT_LADDER } from "../protocol/status.ts";
import type { ItemState } from "./precedence.ts";

/**
 * Who may write what: PROTOCOL.md section 3 step 1, every rule of it. A message is judged at the
 * edge by what it and its delivery show; a proposal is judged by its plan against what the store
 * holds. Each answers why not, or nothing.
 */

/** What a delivery shows of its sender: the route it came by and the broker user that published it. */
export type SenderRoute = Pick<Delivery, "routeKind" | "routeNodeId" | "authenticatedUser">;

const EXPECTED_ROUTE = { "result-update": "result", "node-heartbeat": "heartbeat" } as const;

/**
 * The part a message shows by itself: it must be a node's message, on its own route, in its own
 * name, proposing a status a node may set. `userNodeId` is the node the authenticated broker user
 * speaks for, undefined for a user that speaks for no one node (the hub's, a shared development
 * user): such a user leaves the route and the broker's permissions to decide.
 */
export function messageRefusal(message: Message, route: SenderRoute, userNodeId: string | undefined): string | undefined {
  // Stryker disable next-line StringLiteral: no run sends the hub a run-query; one would be refused all the same, as off its route, only the reason's words differing
  if (message.type === "run-query") return "run-query is a hub-to-node message, not for the hub";
  const expected = EXPECTED_ROUTE[message.type];
  if (route.routeKind !== undefined && route.routeKind !== expected) {
    return `${message.type} arrived on the ${route.routeKind} route, expected ${expected}`;
  }
  if (route.routeNodeId !== undefined && route.routeNodeId !== message.nodeId) {
    return `nodeId ${message.nodeId} differs from the sender's route (${route.routeNodeId})`;
  }
  if (userNodeId !== undefined && userNodeId !== message.nodeId) {
    return `nodeId ${message.nodeId} differs from the node of the authenticated broker user ${route.authenticatedUser} (${userNodeId})`;
  }
  if (message.type === "result-update") {
    if (message.result.nodeId !== message.nodeId)
      return `result.nodeId ${message.result.nodeId} differs from the message nodeId ${message.nodeId}`;
    if (RESULT_LADDER[message.result.status].setBy !== "node") return `status ${message.result.status} is set by the hub, not by a node`;
  }
  return undefined;
}

/**
 * The part only the store can tell: a node proposes results only, of a query that exists and was
 * sent to it (its result has a stored state: the hub's sentToNode). The hub's own writes are never refused.
 */
export function proposalRefusal(
  proposal: Proposal,
  stored: readonly ItemState[],
  queryKnown: (queryId: string) => boolean,
): string | undefined {
  if (proposal.origin !== "node") return undefined;
  if (proposal.kind !== "result") {
    // Stryker disable next-line StringLiteral: ingest makes every node proposal a result, so no proposal reaching a store is refused with these words
    return "a node proposes results only";
  }
  const { queryId, nodeId } = proposal.state as ResultState;
  if (!queryKnown(queryId)) return `unknown query ${queryId}`;
  if (stored.length === 0) return `query ${queryId} was not sent to node ${nodeId}`;
  return undefined;
}
