import type { RunResult } from "../run/runner.ts";
import { SIMULATED } from "../run/context.ts";
import { OUTCOME_COLOURS, decisionAnchor } from "./outcomes.ts";
import { queryToDraw, sequenceSvg } from "./sequence.ts";
import { checksOf, replayCommand, summarize, summaryTable } from "./summary.ts";
import { esc } from "./svg.ts";
import { timelineSvg } from "./timeline.ts";

const STYLE = `body{font-family:system-ui,sans-serif;margin:12px;max-width:1100px}
h1{font-size:1.5em}code,pre.wrap{white-space:pre-wrap;overflow-wrap:anywhere}pre{background:#f6f6f6;padding:8px;overflow-x:auto}
.ok{color:#2a9d4b}.bad{color:#c0392b}.figure{overflow-x:auto;max-width:100%;border:1px solid #eee}
.figure svg{display:block}.timeline-figure svg{width:100%;min-width:720px;height:auto}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;padding:0;list-style:none}
.ce{background:#fff4c2;border-left:4px solid #c0392b;padding:8px}.ce a{font-weight:700}`;

/**
 * A self-contained HTML page: the verdict, the counterexample with a link to its decision and the
 * command that replays the run, the summary, every decision of the hub's store per site over a time
 * axis, and the message sequence of one query. Readable from a phone's 390 px up: text wraps, and
 * each figure scrolls inside its own box rather than widening the page.
 */
export function htmlReport(result: RunResult, options: { queryId?: string; replay?: string } = {}): string {
  const { scenario } = result;
  const v = result.verdict;
  const replay = options.replay ?? replayCommand(result);
  const highlighted = v.counterexample?.decision;
  const queryId = queryToDraw(result, options.queryId, highlighted);
  const legend = Object.entries(OUTCOME_COLOURS)
    .map(([k, c]) => `<li><span style="color:${c}">&#9679;</span> ${k}</li>`)
    .join("");
  const ce = v.counterexample
    ? `<div class="ce"><h2>Counterexample</h2>${
        highlighted !== undefined
          ? `<p>Decision <a href="#${decisionAnchor(highlighted)}">#${highlighted}</a>, ringed in the timeline and highlighted in <a href="#seq-${decisionAnchor(highlighted)}">the message sequence</a>.</p>`
          : ""
      }<pre class="wrap">${esc(`${v.counterexample.invariant}: ${v.counterexample.message}`)}</pre></div>`
    : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>qnet scenario ${esc(scenario.name)}</title>
<style>${STYLE}</style></head><body>
<h1>${esc(scenario.name)} <span class="${v.ok ? "ok" : "bad"}">${v.ok ? "PASS" : "FAIL"}</span></h1>
<p>${esc(scenario.description)}</p>
<p>seed ${result.seed} · transport ${esc(result.transport)} · store ${esc(result.store)} · policy ${esc(result.policy)} · ${result.simulatedMs} ms ${result.transport === SIMULATED ? "virtual" : "real"} time · trace <code>${result.trace}</code></p>
<p>replay with <code class="replay">${esc(replay)}</code></p>
${ce}
<h2>Invariants</h2><ul>${checksOf(result)
    .map((c) => {
      const n = v.violations.filter((x) => x.invariant === c.name).length;
      return `<li>${esc(c.label)}: ${n > 0 ? `<span class="bad">${n} violation(s)</span>` : '<span class="ok">holds</span>'}</li>`;
    })
    .join("")}</ul>
<h2>Summary</h2><pre>${esc(summaryTable(summarize(result)))}</pre>
<h2>Per-site timeline</h2>
<p>Every decision of the hub's store (${result.history.applied.length}), by outcome; a square is the hub's own proposal. Fault windows shaded.</p>
<ul class="legend">${legend}<li><span style="background:#f4a3a3">&nbsp;&nbsp;&nbsp;</span> fault window</li></ul>
<div class="figure timeline-figure">${timelineSvg(result, highlighted)}</div>
<h2>Message sequence of query ${esc(queryId ?? "-")}</h2>
<p>Each run-query and every decision on the query, in the order decided.</p>
<div class="figure">${queryId ? sequenceSvg(result, queryId, highlighted) : ""}</div>
</body></html>
`;
}
