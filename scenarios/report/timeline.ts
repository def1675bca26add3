import type { ResultState } from "../../shared/protocol/items.ts";
import type { RunResult } from "../run/runner.ts";
import { decisionAnchor, outcomeColour } from "./outcomes.ts";
import { esc, packRows, r1, textWidth, timeAxis } from "./svg.ts";

/** The row a decision is drawn on: its site for a result, the hub's row for a query's own states. */
const rowOf = (kind: string, proposed: unknown) => (kind === "result" ? (proposed as ResultState).nodeId : "hub");

/**
 * Every decision of the hub's store on a row per site (and one for the hub's query states) over a
 * time axis, coloured by outcome. Decisions close in time stack in sub-rows so that every one shows;
 * the counterexample's decision is drawn large, ringed and labelled. Fault windows are shaded on
 * the rows they touch, their labels packed above the rows.
 */
export function timelineSvg(result: RunResult, highlighted: number | undefined): string {
  const { history, scenario } = result;
  const start = history.startedAt;
  const spanMs = Math.max(1, result.simulatedMs);
  const W = 760;
  const left = 100;
  const right = W - 16;
  const x = (ms: number) => r1(left + (Math.min(Math.max(ms, 0), spanMs) / spanMs) * (right - left));
  const rows = [...scenario.nodes.map((n) => n.nodeId), "hub"];

  // The fault windows' labels, and the counterexample's, packed into rows above the plot.
  const ce = history.applied.find((a) => a.n === highlighted);
  const labels = [
    ...history.faults.map((f) => ({ x: x(f.from), text: f.nodeId ? `${f.nodeId}: ${f.label}` : f.label, fill: "#a33", weight: "400" })),
    ...(ce ? [{ x: x(ce.at - start), text: `▼ #${ce.n} counterexample`, fill: "#111", weight: "700" }] : []),
  ].map((l) => ({ ...l, x: Math.min(l.x, right - textWidth(l.text, 11)) }));
  const labelRows = packRows(labels.map((l) => ({ x: l.x, width: textWidth(l.text, 11) })));
  const labelsH = labels.length ? (Math.max(...labelRows) + 1) * 13 + 6 : 0;
  const faultLabels = labels.map(
    (l, i) =>
      `<text x="${r1(l.x)}" y="${12 + (labelRows[i] as number) * 13}" font-size="11" font-weight="${l.weight}" fill="${l.fill}">${esc(l.text)}</text>`,
  );
  const ceLabelY = ce ? 12 + (labelRows.at(-1) as number) * 13 : 0;

  let y = labelsH + 4;
  const drawn: string[] = [];
  for (const row of rows) {
    const decisions = history.applied.filter((a) => rowOf(a.kind, a.proposed) === row);
    if (row === "hub" && decisions.length === 0) continue;
    const lanes = packRows(
      decisions.map((a) => ({ x: x(a.at - start) - 4, width: 8 })),
      1,
    );
    const laneCount = decisions.length ? Math.max(...lanes) + 1 : 1;
    const h = Math.max(30, laneCount * 9 + 12);
    drawn.push(`<text x="4" y="${y + 16}" font-size="12">${esc(row === "hub" ? "hub (queries)" : row)}</text>`);
    drawn.push(`<line x1="${left}" y1="${y + h}" x2="${right}" y2="${y + h}" stroke="#eee"/>`);
    for (const f of history.faults.filter((f) => row !== "hub" && (f.nodeId === undefined || f.nodeId === row)))
      drawn.push(
        `<rect x="${x(f.from)}" y="${y}" width="${r1(Math.max(2, x(f.to) - x(f.from)))}" height="${h - 2}" fill="#f4a3a3" opacity="0.35"><title>${esc(f.label)} ${f.from}-${f.to} ms</title></rect>`,
      );
    decisions.forEach((a, i) => {
      const p = a.proposed as ResultState;
      const cx = x(a.at - start);
      const cy = r1(y + 8 + (lanes[i] as number) * 9);
      const what = `#${a.n} ${p.status ?? ""} v${p.versionInfo.itemVersion} ${a.outcome} at ${a.at - start} ms${a.origin === "hub" ? " (the hub's proposal)" : ""}`;
      const mark =
        a.origin === "hub"
          ? `<rect x="${r1(cx - 3.5)}" y="${r1(cy - 3.5)}" width="7" height="7" fill="${outcomeColour(a.outcome)}"/>`
          : `<circle cx="${cx}" cy="${cy}" r="3.5" fill="${outcomeColour(a.outcome)}"/>`;
      if (a.n === highlighted) {
        drawn.push(
          `<g id="${decisionAnchor(a.n)}" class="decision counterexample" data-outcome="${a.outcome}"><line x1="${cx}" y1="${ceLabelY + 3}" x2="${cx}" y2="${r1(cy - 9)}" stroke="#111" stroke-dasharray="3 2"/><circle cx="${cx}" cy="${cy}" r="9" fill="none" stroke="#111" stroke-width="2.5"/>${mark}<title>counterexample: ${esc(what)}</title></g>`,
        );
      } else drawn.push(`<g class="decision" data-outcome="${a.outcome}">${mark}<title>${esc(what)}</title></g>`);
    });
    y += h;
  }
  const H = y + 24;
  return `<svg class="timeline" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif">${faultLabels.join("")}${drawn.join("")}${timeAxis({ x0: left, x1: right, y: y + 2, spanMs })}</svg>`;
}
