import { NODE_ID_PATTERN } from "../shared/protocol/ids.ts";

/**
 * Who a broker user is. A node's user is named `<prefix>.node.<nodeId>`, like its queue: the dot
 * can appear neither in a prefix nor in a node id, so a node's user never collides with a plain
 * user (guest, an administrator) or with the hub's `<prefix>.hub`, and the name says which network
 * and which node it speaks for.
 */
const NODE_USER = /^([a-z0-9][a-z0-9_-]{0,39})\.node\.([^.]+)$/;

export function nodeBrokerUser(prefix: string, nodeId: string): string {
  return `${prefix}.node.${nodeId}`;
}

export function hubBrokerUser(prefix: string): string {
  return `${prefix}.hub`;
}

/**
 * The node a broker user speaks for, or undefined for a user that speaks for no one node (the
 * hub's, or one shared development user such as guest, where only the route ties a message to a node).
 */
export function nodeIdOfBrokerUser(user: string): string | undefined {
  const m = NODE_USER.exec(user);
  const nodeId = m?.[2];
  return nodeId !== undefined && NODE_ID_PATTERN.test(nodeId) ? nodeId : undefined;
}
