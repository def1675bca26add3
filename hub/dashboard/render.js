// Drawing: one card per query, one row per site, as SHRINE shows them.

import { breakdownSection } from "./breakdowns.js";
import { el } from "./dom.js";

const QUERY_STATUS_TEXT = { created: "Submitted", dispatched: "Running", done: "Finished", failed: "Failed" };

const BREAKDOWN_WORDS = { sex: "sex", age: "age", race: "race", vitalStatus: "vital status" };

/** "(dx:E11.9 OR dx:E10.9) AND NOT rx:metformin · age 40–65 · female · by sex, age" */
export function describeDefinition(definition) {
  const panels = definition.panels.map((p) => {
    const inner = p.concepts.length > 1 ? `(${p.concepts.join(" OR ")})` : p.concepts[0];
    return p.not ? `NOT ${inner}` : inner;
  });
  const parts = [panels.join(" AND ")];
  const age = definition.age;
  if (age && (age.min !== undefined || age.max !== undefined)) {
    if (age.min !== undefined && age.max !== undefined) parts.push(`age ${age.min}–${age.max}`);
    else if (age.min !== undefined) parts.push(`age ${age.min}+`);
    else parts.push(`age ≤ ${age.max}`);
  }
  if (definition.sex) parts.push(definition.sex === "F" ? "female" : "male");
  if (definition.breakdowns?.length) parts.push(`by ${definition.breakdowns.map((b) => BREAKDOWN_WORDS[b] ?? b).join(", ")}`);
  return parts.join(" · ");
}

const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

function tone(row) {
  if (row.status === "completed") return "ok";
  if (row.status === "failed" || row.status === "timedOut") return "error";
  if (row.status === "queuedAtNode") return "waiting";
  return "working";
}

function siteRow(row) {
  const statusCell = el(
    "td",
    { class: "status" },
    el(
      "span",
      { class: "status-line" },
      el("span", { class: `dot ${tone(row)}`, "aria-hidden": "true" }),
      el("span", { class: "status-text", text: row.statusText }),
    ),
  );
  const progressCell = el("td", { class: "progress" });
  if (row.status === "running") {
    const pct = Math.round((row.progress ?? 0) * 100);
    const bar = el(
      "div",
      { class: "bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(pct) },
      el("div", { class: "fill" }),
    );
    bar.firstChild.style.width = `${pct}%`;
    progressCell.append(bar);
  } else if (!row.final) {
    progressCell.append(el("div", { class: "bar idle" }, el("div", { class: "fill" })));
  }
  const resultCell = el("td", { class: "result" });
  if (row.countDisplay !== null) resultCell.append(el("span", { class: "count", text: row.countDisplay }));
  else if (tone(row) === "error") resultCell.append(el("span", { class: "muted", text: "no count" }));
  else resultCell.append(el("span", { class: "muted", text: "—" }));
  return el(
    "tr",
    { "data-node-id": row.nodeId, "data-status": row.status, "data-final": String(row.final), class: `site ${tone(row)}` },
    el("th", { scope: "row", text: row.nodeId }),
    statusCell,
    progressCell,
    resultCell,
  );
}

function totals(query) {
  const rows = [...query.rows.values()];
  const s = query.summary;
  const finals = rows.filter((r) => r.final).length;
  const line = el("div", { class: "totals" });
  line.append(
    el("span", { class: "total-label", text: "Total" }),
    el("span", { class: "total-count", text: s ? s.totalDisplay : "—" }),
    el("span", {
      class: "totals-note muted",
      text: s
        ? `${s.completed} of ${s.nodes} sites answered${s.failed ? ` · ${s.failed} with errors` : ""}`
        : `${finals} of ${rows.length} sites final`,
    }),
  );
  return line;
}

/** Draws (or redraws) one query's card in place. */
export function drawQuery(container, query) {
  const { header } = query;
  const rows = [...query.rows.values()].sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
  const allFinal = rows.length > 0 && rows.every((r) => r.final);
  const card = el(
    "article",
    { class: "card query", "data-query-id": header.id, "data-status": header.status, "data-all-final": String(allFinal) },
    el(
      "header",
      { class: "query-head" },
      el("div", { class: "definition", text: describeDefinition(header.definition) }),
      el("span", { class: `badge ${header.status}`, text: QUERY_STATUS_TEXT[header.status] ?? header.status }),
    ),
    el(
      "div",
      { class: "meta muted" },
      `${time(header.submittedAt)} · ${header.researcherId} · `,
      el("a", { class: "query-link", href: `/queries/${header.id}`, text: header.id.slice(0, 8) }),
    ),
    el(
      "table",
      { class: "sites" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", { text: "Site" }),
          el("th", { text: "Status" }),
          el("th", { text: "Progress" }),
          el("th", { class: "result", text: "Patients" }),
        ),
      ),
      el("tbody", {}, ...rows.map(siteRow)),
    ),
    totals(query),
    ...breakdownSection(query, rows),
  );
  const existing = container.querySelector(`article[data-query-id="${header.id}"]`);
  if (existing) existing.replaceWith(card);
  return card;
}

export function drawNodes(list, nodes) {
  list.replaceChildren(
    ...nodes.map((n) =>
      el(
        "li",
        {
          class: `node ${n.alive ? "alive" : "silent"}`,
          "data-node-id": n.nodeId,
          title: n.lastHeartbeat ? `last heartbeat ${time(n.lastHeartbeat)}` : "no heartbeat yet",
        },
        el("span", { class: "node-dot", "aria-hidden": "true" }),
        el("span", { class: "node-name", text: n.nodeId }),
        el("span", { class: "muted", text: n.alive ? `${n.activeQueries} active` : "not heard from" }),
      ),
    ),
  );
}
