import type { z } from "zod";
import type { QueryState, ResultState } from "../../shared/protocol/items.ts";
import type * as Bodies from "../http/responses.ts";
import { type StatusView, nodeRow } from "../view/statusView.ts";
import type { EventLog } from "./eventLog.ts";

/** A query moved: its header as GET /api/queries/<id> shows it, without the rows. */
export type QueryEventData = z.infer<typeof Bodies.QueryEventData>;
/** A site's result moved: its row as GET /api/queries/<id> shows it. */
export type ResultEventData = z.infer<typeof Bodies.ResultEventData>;

/**
 * Feeds every change of the view into the event log, one event per change, in the order the
 * view made them. An event costs one row, never a whole query, so a large query stays cheap; the
 * states are immutable, so the row can be rendered when a client first reads the event.
 */
export function feedViewChanges(view: StatusView, log: EventLog): () => void {
  return view.onChange((change) => {
    if (change.kind === "query") {
      const q = change.state as QueryState;
      log.append(
        "query",
        (): QueryEventData => ({
          queryId: q.id,
          status: q.status ?? "created",
          researcherId: q.researcherId,
          definition: q.definition,
          submittedAt: q.submittedAt,
          itemVersion: q.versionInfo.itemVersion,
        }),
      );
    } else {
      const { queryId, state } = change;
      log.append("result", (): ResultEventData => ({ queryId, row: nodeRow(state as ResultState) }));
    }
  });
}
