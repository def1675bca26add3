import { z } from "zod";
import { NODE_ID_PATTERN } from "../protocol/ids.ts";

/** The fields fault kinds are written in. Every time is in milliseconds. */

export const ms = z
  .number()
  .int()
  .min(0)
  .max(24 * 3600_000);
export const probability = z.number().min(0).max(1);
export const nodeId = z.string().regex(NODE_ID_PATTERN, { message: "must be a node id (^[a-z0-9][a-z0-9-]{0,62}$)" });
/** Whose deliveries a consumer-side fault hits: the hub's, every node's, or one node's. */
export const target = z.union([z.literal("hub"), z.literal("nodes"), nodeId]);

/** How the fault windows name a consumer-side fault ("dropBeforeAck at hub"), and the node it is about, if one. */
export function atTarget(f: { kind: string; target: string }): { label: string; nodeId: string | undefined } {
  return { label: `${f.kind} at ${f.target}`, nodeId: f.target === "hub" || f.target === "nodes" ? undefined : f.target };
}
/** Every fault is in force from `at` for `for` milliseconds, then it heals. */
export const window = { at: ms, for: ms };
