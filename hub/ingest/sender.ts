import type { Message } from "../../shared/protocol/messages.ts";
import { RESULT_LADDER } from "../../shared/protocol/status.ts";
import type { Delivery } from "../../shared/ports/transport.ts";
import { nodeIdOfBrokerUser } from "../../trust/identity.ts";

type Route = Pick<Delivery, "routeKind" | "routeNodeId" | "authenticatedUser">;

const EXPECTED_ROUTE = { "result-update": "result", "node-heartbeat": "heartbeat" } as const;

/**
 * PROTOCOL.md section 3 step 1, the part a message shows by itself: it must be a node's message,
 * on its own route, in its own name, proposing a status a node may set. Answers why not, or nothing.
 */
export function senderProblem(message: Message, route: Route): string | undefined {
  if (message.type === "run-query") return "run-query is a hub-to-node message, not for the hub";
  const expected = EXPECTED_ROUTE[message.type];
  if (route.routeKind !== undefined && route.routeKind !== expected) {
    return `${message.type} arrived on the ${route.routeKind} route, expected ${expected}`;
  }
  if (route.routeNodeId !== undefined && route.routeNodeId !== message.nodeId) {
    return `nodeId ${message.nodeId} differs from the sender's route (${route.routeNodeId})`;
  }
  // A node's broker user (trust/identity.ts) speaks for that node only; a user that speaks for no
  // one node (the hub's, a shared development user) leaves the route and the broker's permissions to decide.
  const userNodeId = route.authenticatedUser === undefined ? undefined : nodeIdOfBrokerUser(route.authenticatedUser);
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
