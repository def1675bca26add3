// The page of one query: its card as on the list, and each site's timeline from the query's history
// (every stored state, conflict and duplicate), kept live by the query's own event stream.

import { getHistory, getQuery } from "./api.js";
import { el } from "./dom.js";
import { drawQuery } from "./render.js";
import { QueryBook } from "./state.js";

const $ = (id) => document.getElementById(id);
const queryId = decodeURIComponent(location.pathname.split("/").filter(Boolean).at(-1) ?? "");
const book = new QueryBook();
let source;

function streamState(state, text) {
  const badge = $("stream-state");
  badge.dataset.state = state;
  badge.textContent = text;
}

function problem(text) {
  const p = $("query-problem");
  p.textContent = text;
  p.hidden = false;
}

function drawCard() {
  const query = book.get(queryId);
  if (!query) return;
  const holder = $("query-card");
  const card = drawQuery(holder, query);
  if (!card.isConnected) holder.replaceChildren(card);
}

/** Seconds after the query was submitted, as a label on a timeline. */
const since = (iso, start) => `+${((Date.parse(iso) - start) / 1000).toFixed(1)} s`;

function describe(state) {
  const parts = [state.status ?? "?", `v${state.versionInfo?.itemVersion ?? "?"}`];
  if (state.count !== undefined && state.count !== null) parts.push(`n=${state.count}`);
  return parts.join(" ");
}

/** Every event of one site (or of the query itself), in time order: states stored, conflicts, duplicates. */
function eventsOf(history, nodeId) {
  const events = [];
  for (const s of history.states) {
    if ((nodeId === null && s.kind === "query") || (nodeId !== null && s.nodeId === nodeId))
      events.push({ at: s.storedAt, outcome: s.outcome, text: `${describe(s.state)} stored`, seq: s.seq });
  }
  for (const c of history.conflicts) {
    if (nodeId === null ? c.kind !== "query" : c.proposed?.nodeId !== nodeId) continue;
    const outcome = c.resolution === "rebased" ? "conflict-rebased" : "conflict-discarded";
    const what = `${describe(c.proposed)} collided with ${describe(c.collidedWith)}: ${c.resolution}${c.resolution === "rebased" ? ` to v${c.rebasedTo ?? "?"}` : ""}`;
    events.push({ at: c.at, outcome, text: what, seq: c.seq });
  }
  for (const d of history.duplicates ?? []) {
    if (nodeId === null ? d.kind !== "query" : d.nodeId !== nodeId) continue;
    events.push({
      at: d.at,
      outcome: "duplicate",
      text: `${d.status ?? "?"} v${d.itemVersion} again: absorbed`,
      seq: Number.MAX_SAFE_INTEGER,
    });
  }
  return events.sort((a, b) => (Date.parse(a.at ?? "") || 0) - (Date.parse(b.at ?? "") || 0) || a.seq - b.seq);
}

function timeline(title, events, start, end) {
  const span = Math.max(1, end - start);
  const track = el("div", { class: "track", "aria-hidden": "true" });
  for (const e of events) {
    const t = Date.parse(e.at ?? "");
    if (!Number.isFinite(t)) continue;
    const mark = el("span", { class: `mark ${e.outcome}`, title: `${since(e.at, start)} ${e.text}` });
    mark.style.left = `${(Math.min(Math.max(t - start, 0), span) / span) * 100}%`;
    track.append(mark);
  }
  const axis = el("div", { class: "axis muted" }, el("span", { text: "+0 s" }), el("span", { text: `+${(span / 1000).toFixed(1)} s` }));
  const list = el(
    "ol",
    { class: "events" },
    ...events.map((e) =>
      el(
        "li",
        { class: `event ${e.outcome}`, "data-outcome": e.outcome },
        el("span", { class: "when muted", text: e.at ? since(e.at, start) : "" }),
        el("span", { class: `mark ${e.outcome}`, "aria-hidden": "true" }),
        el("span", { class: "what", text: e.text }),
      ),
    ),
  );
  return el("section", { class: "site-timeline", "data-node-id": title }, el("h3", { text: title }), track, axis, list);
}

function drawTimelines(history) {
  const query = book.get(queryId);
  const start = Date.parse(query?.header.submittedAt ?? history.states[0]?.storedAt ?? "") || Date.now();
  const times = [...history.states.map((s) => Date.parse(s.storedAt)), ...(history.duplicates ?? []).map((d) => Date.parse(d.at))].filter(
    Number.isFinite,
  );
  const end = Math.max(start + 1000, ...times);
  const sites = [...new Set(history.states.filter((s) => s.nodeId !== null).map((s) => s.nodeId))].sort();
  $("timelines").replaceChildren(
    timeline("query", eventsOf(history, null), start, end),
    ...sites.map((site) => timeline(site, eventsOf(history, site), start, end)),
  );
  const s = history.summary;
  $("history-note").textContent =
    `(${s.states} states stored · ${s.conflicts.rebased} rebased · ${s.conflicts.discarded} discarded${history.duplicates ? ` · ${history.duplicates.length} duplicates` : ""})`;
}

// The history is read again after changes, at most once per 300 ms.
let historyTimer;
function refreshHistory() {
  if (historyTimer) return;
  historyTimer = setTimeout(async () => {
    historyTimer = undefined;
    try {
      drawTimelines(await getHistory(queryId));
    } catch {
      // The next event reads it again.
    }
  }, 300);
}

async function load() {
  try {
    book.clear();
    book.takeSnapshot(await getQuery(queryId));
  } catch (err) {
    problem(err.status === 404 ? `No query ${queryId} on this hub.` : err.status === 400 ? `"${queryId}" is not a query id.` : err.message);
    return false;
  }
  document.title = `qnet · query ${queryId.slice(0, 8)}`;
  drawCard();
  drawTimelines(await getHistory(queryId));
  return true;
}

/** What changed between the first read and the stream's start: the query read once more, merged by precedence. */
async function catchUp() {
  try {
    book.takeSnapshot(await getQuery(queryId));
    drawCard();
    refreshHistory();
  } catch {
    // The stream's next event reads the history again.
  }
}

function follow() {
  source?.close();
  source = new EventSource(`/api/events?queryId=${encodeURIComponent(queryId)}`);
  source.addEventListener("open", () => {
    streamState("live", "live");
    catchUp();
  });
  source.addEventListener("error", () => streamState("connecting", "reconnecting…"));
  source.addEventListener("query", (e) => {
    if (book.takeHeader(JSON.parse(e.data))) drawCard();
    refreshHistory();
  });
  source.addEventListener("result", (e) => {
    const { row } = JSON.parse(e.data);
    if (book.takeRow(queryId, row)) drawCard();
    refreshHistory();
  });
  source.addEventListener("reset", async () => {
    streamState("connecting", "catching up…");
    await load();
  });
}

const base = `/api/queries/${encodeURIComponent(queryId)}`;
$("exports").append(
  el("a", { id: "csv-link", href: `${base}/rows.csv`, download: "", text: "Download the rows as CSV" }),
  " · ",
  el("a", { id: "history-link", href: `${base}/history`, text: "the history as JSON" }),
);
if (await load()) follow();
