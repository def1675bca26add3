import type { ItemState } from "./evidence.ts";

/** A state in a few words: its status and version, and its count when it has one. */
export function describeState(s: ItemState | undefined): string {
  if (s === undefined) return "nothing";
  const count = (s as { count?: number }).count;
  return `${s.status ?? "created"} v${s.versionInfo.itemVersion}${count !== undefined ? ` (count ${count})` : ""}`;
}
