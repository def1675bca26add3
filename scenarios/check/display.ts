import { rungOf } from "./model/ladder.ts";

/**
 * What a researcher reads of a result, stated again from PROTOCOL.md sections 2 and 6 ("shown to a
 * researcher", a row's `statusText` and `countDisplay`): the checker words each state by its own
 * table, so a mistake in the hub's wording is not also a mistake here.
 */

/** The text of each status; running adds its progress, failed its message, completed shows its count beside it. */
const STATUS_TEXT: Readonly<Record<string, string>> = {
  created: "Processing at hub",
  sentToNode: "Sent to site",
  receivedByNode: "Processing at site",
  queuedAtNode: "Delayed at site",
  running: "Processing at site",
  timedOut: "Site error: no answer in time",
  failed: "Site error",
  completed: "Completed",
};

/** The fields of a result state its words depend on. */
export interface Worded {
  status?: string;
  progress?: number;
  statusMessage?: string;
  count?: number;
  obfuscation?: { lowLimit: number };
}

/** The status as a researcher reads it: "Processing at site (40%)", "Site error (disk full)"; undefined for a status the protocol does not have. */
export function statusTextOf(state: Worded): string | undefined {
  const text = state.status !== undefined && Object.hasOwn(STATUS_TEXT, state.status) ? STATUS_TEXT[state.status] : undefined;
  if (state.status === "running" && state.progress !== undefined) return `${text} (${Math.round(state.progress * 100)}%)`;
  if (state.status === "failed" && state.statusMessage) return `${text} (${state.statusMessage})`;
  return text;
}

/** A number of patients as words: the number, or "N patients or fewer" for -1, N the site's low limit. */
export const countWordsOf = (count: number, lowLimit: number): string => (count === -1 ? `${lowLimit} patients or fewer` : String(count));

/** The fields of a row a state gives (PROTOCOL.md section 6): progress reads 1 once completed, a field not set reads null. */
export function rowFieldsOf(state: Worded & { versionInfo: { itemVersion: number; changeDate?: string } }): Record<string, unknown> {
  const rung = rungOf("result", state.status);
  return {
    status: state.status,
    stage: rung?.stage,
    final: rung?.final,
    progress: state.status === "completed" ? 1 : (state.progress ?? null),
    count: state.count ?? null,
    statusMessage: state.statusMessage ?? null,
    itemVersion: state.versionInfo.itemVersion,
    updatedAt: state.versionInfo.changeDate,
  };
}

/** A row's count as words: null but on a completed state. */
export function countDisplayOf(state: Worded, defaultLowLimit: number): string | null {
  if (state.status !== "completed" || state.count === undefined) return null;
  return countWordsOf(state.count, state.obfuscation?.lowLimit ?? defaultLowLimit);
}
