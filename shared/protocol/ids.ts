import { z } from "zod";

export const NODE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const QueryId = z.uuid({ message: "must be a UUID" });
export const NodeId = z.string().regex(NODE_ID_PATTERN, { message: "must match ^[a-z0-9][a-z0-9-]{0,62}$" });

export type QueryId = z.infer<typeof QueryId>;
export type NodeId = z.infer<typeof NodeId>;

/** A result's id names its query and its node: "<queryId>:<nodeId>". */
export function resultId(queryId: string, nodeId: string): string {
  return `${queryId}:${nodeId}`;
}
