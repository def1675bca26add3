import type { ResultState } from "../shared/protocol/items.ts";

/**
 * The fields of a result state a node may leave out (PROTOCOL.md section 4): a node of the original
 * contract sends no progress, status message, obfuscation parameters or breakdowns, and a hub must
 * show what it does send.
 */
export const OPTIONAL_FIELDS = ["progress", "statusMessage", "obfuscation", "breakdowns"] as const;
export type OptionalField = (typeof OPTIONAL_FIELDS)[number];

/** The state without the fields the node leaves out. */
export function leaveOut(result: ResultState, fields: readonly OptionalField[]): ResultState {
  if (fields.length === 0) return result;
  const out = { ...result };
  for (const field of fields) delete out[field];
  return out;
}
