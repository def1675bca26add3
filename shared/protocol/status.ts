import { z } from "zod";

/** The result status ladder of PROTOCOL.md section 2. */
export const RESULT_LADDER = {
  created: { stage: 100, final: false, error: false, setBy: "hub", label: "Processing at hub" },
  sentToNode: { stage: 200, final: false, error: false, setBy: "hub", label: "Sent to site" },
  receivedByNode: { stage: 300, final: false, error: false, setBy: "node", label: "Processing at site" },
  queuedAtNode: { stage: 400, final: false, error: false, setBy: "node", label: "Delayed at site" },
  running: { stage: 700, final: false, error: false, setBy: "node", label: "Processing at site" },
  timedOut: { stage: 1100, final: true, error: true, setBy: "hub", label: "Site error: no answer in time" },
  failed: { stage: 1200, final: true, error: true, setBy: "node", label: "Site error" },
  completed: { stage: 1400, final: true, error: false, setBy: "node", label: "Completed" },
} as const;

export const RESULT_STATUSES = Object.keys(RESULT_LADDER) as ResultStatus[];
export const ResultStatus = z.enum(
  ["created", "sentToNode", "receivedByNode", "queuedAtNode", "running", "timedOut", "failed", "completed"],
  { message: `unknown status (expected one of ${Object.keys(RESULT_LADDER).join(", ")})` },
);
export type ResultStatus = z.infer<typeof ResultStatus>;

/** The query's own ladder: created -> dispatched -> done (or failed). */
export const QUERY_LADDER = {
  created: { stage: 100, final: false },
  dispatched: { stage: 200, final: false },
  done: { stage: 300, final: true },
  failed: { stage: 300, final: true },
} as const;
export const QueryStatus = z.enum(["created", "dispatched", "done", "failed"]);
export type QueryStatus = z.infer<typeof QueryStatus>;

export const resultStage = (status: ResultStatus): number => RESULT_LADDER[status].stage;
export const isFinal = (status: ResultStatus): boolean => RESULT_LADDER[status].final;
export const queryStage = (status: QueryStatus): number => QUERY_LADDER[status].stage;
