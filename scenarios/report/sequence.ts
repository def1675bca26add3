import type { ResultState } from "../../shared/protocol/items.ts";
import type { RunResult } from "../run/runner.ts";
import { decisionAnchor, outcomeColour } from "./outcomes.ts";
import { esc, r1 } from "./svg.ts";

interface Row {
  /** When the message left, and when the hub decided it (ms since the start). */
  sent: number;
  decided: number | undefined;
  from: string;
  to: string;
  label: string;
  colour: string;
  decision: number | undefined;
}

/** The query a report draws: the one asked for, else the counterexample's, else the first. */
export function queryToDraw(result: RunResult, asked: string | undefined, highlighted: number | undefined): string | undefined {
  if (asked) return asked;
  const d = result.history.applied.find((a) => a.n === highlighted);
  const ofDecision = d ? (d.kind === "result" ? (d.proposed as ResultState).queryId : d.id) : undefined;
  return ofDecision ?? result.queryIds[0];
}

/**
 * The message sequence of one query: each run-query the hub sent, and every decision the hub's
 * store made on it (duplicates and conflicts too), one row each in time order, the row saying when
 * the message left and when it was decided. Labels sit in a column of their own, one per row, so
 * none collides with another; the counterexample's row is highlighted.
 */
export function sequenceSvg(result: RunResult, queryId: string, highlighted: number | undefined): string {
  const { history, scenario } = result;
  const start = history.startedAt;
  const lanes = ["hub", ...scenario.nodes.map((n) => n.nodeId)];
  const rows: Row[] = [];
  for (const r of history.runQueries.filter((r) => r.queryId === queryId))
    rows.push({
      sent: r.at - start,
      decided: undefined,
      from: "hub",
      to: r.nodeId,
      label: "run-query",
      colour: "#555",
      decision: undefined,
    });
  for (const a of history.applied) {
    const p = a.proposed as ResultState;
    const ofQuery = a.kind === "result" ? p.queryId === queryId : a.id === queryId;
    if (!ofQuery) continue;
    const from = a.kind === "result" && a.origin === "node" ? p.nodeId : "hub";
    // The copy of the message the hub decided: the last one published with its messageId before the decision.
    const sent = history.updates.filter((u) => u.messageId === a.messageId && u.at <= a.at).at(-1)?.at ?? a.at;
    const what = `${a.kind === "query" ? "query " : ""}${p.status ?? ""} v${p.versionInfo.itemVersion}${p.count !== undefined ? ` n=${p.count}` : ""}`;
    rows.push({
      sent: sent - start,
      decided: a.at - start,
      from,
      to: "hub",
      label: `#${a.n} ${what} → ${a.outcome}${a.origin === "hub" && a.kind === "result" ? ` (${p.nodeId}, the hub's)` : ""}`,
      colour: outcomeColour(a.outcome),
      decision: a.n,
    });
  }
  rows.sort((a, b) => (a.decided ?? a.sent) - (b.decided ?? b.sent) || (a.decision ?? 0) - (b.decision ?? 0));

  const timeW = 96;
  const laneW = 74;
  const laneX = (who: string) => timeW + 30 + lanes.indexOf(who) * laneW;
  const labelX = laneX(lanes.at(-1) as string) + 24;
  const stepH = 20;
  const top = 34;
  const H = top + rows.length * stepH + 10;
  const W = labelX + 290;
  const parts = [
    `<text x="4" y="14" font-size="11" fill="#555">t (ms)</text>`,
    ...lanes.map(
      (l) =>
        `<text x="${laneX(l)}" y="14" font-size="11" text-anchor="middle">${esc(l)}</text><line x1="${laneX(l)}" y1="20" x2="${laneX(l)}" y2="${H}" stroke="#ccc"/>`,
    ),
  ];
  rows.forEach((r, i) => {
    const y = top + i * stepH;
    const ce = r.decision !== undefined && r.decision === highlighted;
    if (ce)
      parts.push(
        `<rect id="seq-${decisionAnchor(r.decision as number)}" class="counterexample" x="0" y="${y - 13}" width="${W}" height="${stepH}" fill="#ffe58a"/>`,
      );
    const x1 = laneX(r.from);
    const x2 = laneX(r.to);
    const arrow =
      x1 === x2
        ? `<path d="M${x1},${y - 6} h14 v8 h-12" fill="none" stroke="${r.colour}" stroke-width="${ce ? 2.5 : 1.3}" marker-end="url(#arrow)"/>`
        : `<line x1="${x1}" y1="${y - 4}" x2="${r1(x2 + (x2 > x1 ? -2 : 2))}" y2="${y - 4}" stroke="${r.colour}" stroke-width="${ce ? 2.5 : 1.3}" marker-end="url(#arrow)"/>`;
    const when = r.decided === undefined ? `${r.sent}` : r.decided === r.sent ? `${r.decided}` : `${r.sent} → ${r.decided}`;
    parts.push(
      `<g class="message" data-decision="${r.decision ?? ""}"><text x="4" y="${y}" font-size="10" fill="#555">${when}</text>${arrow}<text x="${labelX}" y="${y}" font-size="11"${ce ? ' font-weight="700"' : ""} fill="${r.colour === "#555" ? "#333" : r.colour}">${esc(r.label)}${ce ? " ◀ counterexample" : ""}</text></g>`,
    );
  });
  return `<svg class="sequence" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>${parts.join("")}</svg>`;
}
