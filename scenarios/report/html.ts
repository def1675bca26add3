import type { ResultState } from "../../shared/protocol/items.ts";
import type { RunResult } from "../run/runner.ts";
import { checksOf, replayCommand, summarize, summaryTable } from "./summary.ts";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const OUTCOME_COLOURS: Record<string, string> = {
  applied: "#2a9d4b",
  "applied-late": "#e09b20",
  duplicate: "#9aa0a6",
  "conflict-rebased": "#8e44ad",
  "conflict-discarded": "#c0392b",
  rejected: "#111",
};

/**
 * A self-contained HTML page: the verdict and summary, a per-site timeline of the hub's decisions
 * with the fault windows shaded on it, and a message sequence diagram of one query.
 */
export function htmlReport(result: RunResult, options: { queryId?: string; replay?: string } = {}): string {
  const { history, scenario } = result;
  const start = history.startedAt;
  const span = Math.max(1, result.simulatedMs);
  const sites = scenario.nodes.map((n) => n.nodeId);
  const W = 1000;
  const left = 110;
  const rowH = 34;
  const x = (at: number) => left + ((at - start) / span) * (W - left - 10);
  const xr = (ms: number) => left + (ms / span) * (W - left - 10);

  const timelineRows = sites.map((site, i) => {
    const y = 20 + i * rowH;
    const faults = history.faults
      .filter((f) => f.nodeId === undefined || f.nodeId === site)
      .map(
        (f) =>
          `<rect x="${xr(f.from)}" y="${y}" width="${Math.max(2, xr(f.to) - xr(f.from))}" height="${rowH - 6}" fill="#f4a3a3" opacity="0.35"><title>${esc(f.label)} ${f.from}-${f.to} ms</title></rect>`,
      );
    const dots = history.applied
      .filter((a) => a.kind === "result" && (a.proposed as ResultState).nodeId === site)
      .map((a) => {
        const p = a.proposed as ResultState;
        return `<circle cx="${x(a.at)}" cy="${y + (rowH - 6) / 2}" r="3.5" fill="${OUTCOME_COLOURS[a.outcome] ?? "#000"}"><title>#${a.n} ${esc(p.status)} v${p.versionInfo.itemVersion} ${a.outcome} at ${a.at - start} ms</title></circle>`;
      });
    return `<text x="4" y="${y + 18}" font-size="12">${esc(site)}</text>${faults.join("")}${dots.join("")}`;
  });
  const hubFaults = history.faults
    .filter((f) => f.nodeId === undefined)
    .map(
      (f, i) => `<text x="${xr(f.from)}" y="${20 + sites.length * rowH + 14 + i * 13}" font-size="10" fill="#a33">${esc(f.label)}</text>`,
    );
  const timelineH = 30 + sites.length * rowH + hubFaults.length * 13 + 10;
  const legend = Object.entries(OUTCOME_COLOURS)
    .map(([k, c]) => `<span style="color:${c}">&#9679;</span> ${k}`)
    .join(" &nbsp; ");

  const queryId = options.queryId ?? result.queryIds[0];
  const lanes = ["hub", ...sites];
  const laneX = (who: string) => 80 + lanes.indexOf(who) * 150;
  const events: { at: number; from: string; to: string; label: string; colour: string; arrive?: number }[] = [];
  for (const r of history.runQueries.filter((r) => r.queryId === queryId))
    events.push({ at: r.at, from: "hub", to: r.nodeId, label: "run-query", colour: "#555" });
  for (const u of history.updates.filter((u) => u.result.queryId === queryId)) {
    const decision = history.applied.find((a) => a.messageId === u.messageId && a.at >= u.at);
    events.push({
      at: u.at,
      arrive: decision?.at,
      from: u.nodeId,
      to: "hub",
      label: `${u.result.status} v${u.result.versionInfo.itemVersion}${u.result.count !== undefined ? ` n=${u.result.count}` : ""} → ${decision?.outcome ?? "?"}`,
      colour: OUTCOME_COLOURS[decision?.outcome ?? ""] ?? "#000",
    });
  }
  events.sort((a, b) => a.at - b.at);
  const stepH = 22;
  const seqH = 40 + events.length * stepH;
  const seq = [
    ...lanes.map(
      (l) =>
        `<text x="${laneX(l)}" y="16" font-size="12" text-anchor="middle">${esc(l)}</text><line x1="${laneX(l)}" y1="22" x2="${laneX(l)}" y2="${seqH}" stroke="#ccc"/>`,
    ),
    ...events.map((e, i) => {
      const y = 36 + i * stepH;
      const lag = e.arrive !== undefined ? Math.max(0, Math.min(stepH * 3, ((e.arrive - e.at) / span) * 2000)) : 0;
      return `<line x1="${laneX(e.from)}" y1="${y}" x2="${laneX(e.to)}" y2="${y + lag}" stroke="${e.colour}" marker-end="url(#arrow)"/><text x="${(laneX(e.from) + laneX(e.to)) / 2}" y="${y - 3}" font-size="10" text-anchor="middle">${esc(e.label)} @${e.at - start}ms</text>`;
    }),
  ];

  const v = result.verdict;
  return `<!doctype html><html><head><meta charset="utf-8"><title>qnet scenario ${esc(scenario.name)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;max-width:1100px}pre{background:#f6f6f6;padding:8px}.ok{color:#2a9d4b}.bad{color:#c0392b}</style></head><body>
<h1>${esc(scenario.name)} <span class="${v.ok ? "ok" : "bad"}">${v.ok ? "PASS" : "FAIL"}</span></h1>
<p>${esc(scenario.description)}</p>
<p>seed ${result.seed} · transport ${result.transport} · policy ${result.policy} · ${result.simulatedMs} ms simulated · trace <code>${result.trace}</code></p>
${v.counterexample ? `<h2>Counterexample</h2><pre>${esc(`${v.counterexample.invariant}: ${v.counterexample.message}`)}</pre><p>replay with <code>${esc(options.replay ?? replayCommand(result))}</code></p>` : ""}
<h2>Invariants</h2><ul>${checksOf(result)
    .map((c) => {
      const n = v.violations.filter((x) => x.invariant === c.name).length;
      return `<li>${esc(c.label)}: ${n > 0 ? `<span class="bad">${n} violation(s)</span>` : '<span class="ok">holds</span>'}</li>`;
    })
    .join("")}</ul>
<h2>Summary</h2><pre>${esc(summaryTable(summarize(result)))}</pre>
<h2>Per-site timeline</h2><p>${legend} &nbsp; <span style="background:#f4a3a3">&nbsp;fault window&nbsp;</span></p>
<svg width="${W}" height="${timelineH}" xmlns="http://www.w3.org/2000/svg">${timelineRows.join("")}${hubFaults.join("")}</svg>
<h2>Message sequence of query ${esc(queryId ?? "-")}</h2>
<svg width="${80 + lanes.length * 150}" height="${seqH}" xmlns="http://www.w3.org/2000/svg"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>${seq.join("")}</svg>
</body></html>
`;
}
