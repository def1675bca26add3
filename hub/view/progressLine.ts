import type { NodeRow, QueryView } from "./statusView.ts";

const SHORT: Record<NodeRow["status"], string> = {
  created: "hub",
  sentToNode: "sent",
  receivedByNode: "recv",
  queuedAtNode: "queued",
  running: "run",
  timedOut: "TIMEOUT",
  failed: "FAILED",
  completed: "",
};

function cell(row: NodeRow): string {
  if (row.status === "completed") return `${row.nodeId} ${row.count === -1 ? "<=10" : row.count}`;
  if (row.status === "running" && row.progress !== null) return `${row.nodeId} ${Math.round(row.progress * 100)}%`;
  return `${row.nodeId} ${SHORT[row.status]}`;
}

/** One readable terminal line per query: its status, each site, and the total so far. */
export function progressLine(view: QueryView): string {
  const s = view.summary;
  const sites = view.nodes.map(cell).join(" | ");
  return `${view.id.slice(0, 8)} ${view.status.padEnd(10)} ${s.completed}/${s.nodes} done${s.failed ? `, ${s.failed} failed` : ""}  total ${s.totalDisplay}  [ ${sites} ]`;
}
