// Breakdowns as SHRINE shows them: the network's sums as a bar chart per breakdown, and each
// site's cells in a table of its own. The hub sends the labels and words; the page only draws.

import { el } from "./dom.js";

/** One bar chart of a breakdown's network sums: a bar per cell, as long as its share of the largest. */
function chart(sum) {
  const largest = Math.max(1, ...sum.cells.map((c) => c.totalCount));
  const sites = `${sum.sites} site${sum.sites === 1 ? "" : "s"}${sum.missing ? `, ${sum.missing} without` : ""}`;
  return el(
    "figure",
    { class: "chart", "data-kind": sum.kind },
    el("figcaption", {}, el("span", { class: "chart-title", text: sum.label }), el("span", { class: "muted", text: ` · ${sites}` })),
    ...sum.cells.map((c) => {
      const fill = el("span", { class: "chart-fill" });
      fill.style.width = `${(100 * c.totalCount) / largest}%`;
      return el(
        "div",
        { class: "chart-row", "data-cell": c.cell },
        el("span", { class: "chart-label", text: c.label }),
        el("span", { class: "chart-bar" }, fill),
        el("span", { class: "chart-value", text: c.totalDisplay }),
      );
    }),
  );
}

/** One site's breakdowns: a table with a heading row per breakdown, then its cells. */
function siteTable(row) {
  return el(
    "table",
    { class: "breakdown", "data-node-id": row.nodeId },
    el("caption", { text: row.nodeId }),
    ...row.breakdowns.map((b) =>
      el(
        "tbody",
        { "data-kind": b.kind },
        el("tr", {}, el("th", { colspan: "2", scope: "rowgroup", text: b.label })),
        ...b.cells.map((c) =>
          el("tr", { "data-cell": c.cell }, el("td", { text: c.label }), el("td", { class: "cell-count", text: c.countDisplay })),
        ),
      ),
    ),
  );
}

/** The breakdowns part of a query's card, or nothing when the query asked for none and no site sent any. */
export function breakdownSection(query, rows) {
  const sums = query.summary?.breakdowns ?? [];
  const reporting = rows.filter((r) => r.breakdowns && r.breakdowns.length > 0);
  const asked = query.header.definition.breakdowns ?? [];
  if (asked.length === 0 && sums.length === 0 && reporting.length === 0) return [];
  return [
    el(
      "section",
      { class: "breakdowns", "aria-label": "Breakdowns" },
      el("h3", { text: "Breakdowns" }),
      sums.length > 0
        ? el("div", { class: "charts" }, ...sums.map(chart))
        : el("p", { class: "muted", text: "The network's sums appear as sites answer." }),
      reporting.length > 0 ? el("div", { class: "site-breakdowns" }, ...reporting.map(siteTable)) : "",
    ),
  ];
}
