// The dashboard: read the state once, then follow /api/events; a reset means read it again.
// Event ids are store positions, the same on every hub replica: when the stream is lost for good
// (a replica died behind a balancer, which then answers with an error), the page opens it again
// from the last id it received, on whichever replica answers, and misses nothing.

import { ApiError, getQuery, listNodes, listQueries, submitQuery, token } from "./api.js";
import { setupForm } from "./form.js";
import { drawNodes, drawQuery } from "./render.js";
import { QueryBook } from "./state.js";

const $ = (id) => document.getElementById(id);
const PAGE = 20;
const book = new QueryBook();
/** Query ids in the order shown, newest first. */
let order = [];
let olderOffset = 0;
let total = 0;
let source;
/** The id of the last event received: where a stream opened again resumes. */
let lastId;
let retryMs = 1000;
const MAX_RETRY_MS = 10_000;
/** The list's filter: a status and a researcher, either empty for any. */
const filter = { status: "", researcherId: "" };
const matches = (header) =>
  (!filter.status || header.status === filter.status) && (!filter.researcherId || header.researcherId === filter.researcherId);

function redraw(id) {
  const query = book.get(id);
  if (!query) return;
  const list = $("query-list");
  const card = drawQuery(list, query);
  // A query that moved out of the filter's status stays until the list is read again, hidden.
  card.hidden = !matches(query.header);
  if (!card.isConnected) {
    const index = order.indexOf(id);
    const next = order
      .slice(index + 1)
      .map((q) => list.querySelector(`article[data-query-id="${q}"]`))
      .find(Boolean);
    list.insertBefore(card, next ?? null);
  }
  $("no-queries").hidden = order.length > 0;
  $("query-total").textContent = total > 0 ? `(${total})` : "";
}

// Totals come from the hub, read again (at most once per tick of the timer) after a site becomes final.
const refreshTimers = new Map();
function refreshSoon(id) {
  if (refreshTimers.has(id)) return;
  refreshTimers.set(
    id,
    setTimeout(async () => {
      refreshTimers.delete(id);
      try {
        book.takeSnapshot(await getQuery(id));
        redraw(id);
      } catch {
        // The next event brings it again.
      }
    }, 150),
  );
}

async function loadFirstPage() {
  const page = await listQueries(0, PAGE, filter);
  book.clear();
  order = [];
  $("query-list").replaceChildren();
  for (const view of page.items) {
    book.takeSnapshot(view);
    order.push(view.id);
    redraw(view.id);
  }
  total = page.total;
  olderOffset = page.items.length;
  $("load-older").hidden = olderOffset >= total;
  $("no-queries").hidden = order.length > 0;
  $("query-total").textContent = total > 0 ? `(${total})` : "";
  return page.lastEventId;
}

async function loadOlder() {
  const page = await listQueries(olderOffset, PAGE, filter);
  for (const view of page.items) {
    if (book.has(view.id)) continue;
    book.takeSnapshot(view);
    order.push(view.id);
    redraw(view.id);
  }
  olderOffset += page.items.length;
  $("load-older").hidden = olderOffset >= page.total;
}

function streamState(state, text) {
  const badge = $("stream-state");
  badge.dataset.state = state;
  badge.textContent = text;
}

function follow(lastEventId) {
  source?.close();
  lastId = lastEventId;
  // After the first connection the browser resumes with the Last-Event-ID header on its own.
  source = new EventSource(`/api/events?lastEventId=${encodeURIComponent(lastEventId)}`);
  const opened = source;
  source.addEventListener("open", () => {
    retryMs = 1000;
    streamState("live", "live");
  });
  source.addEventListener("error", () => {
    streamState("connecting", "reconnecting…");
    // The browser retries a dropped stream itself, but gives up on an error answer: then this page does.
    if (opened.readyState === EventSource.CLOSED && source === opened) reconnectLater();
  });
  source.addEventListener("query", (e) => {
    lastId = e.lastEventId || lastId;
    const data = JSON.parse(e.data);
    if (!book.has(data.queryId) && !matches(data)) return;
    const isNew = !book.has(data.queryId);
    if (isNew) {
      order.unshift(data.queryId);
      total++;
      olderOffset++;
    }
    if (book.takeHeader(data) || isNew) {
      redraw(data.queryId);
      refreshSoon(data.queryId);
    }
  });
  source.addEventListener("result", (e) => {
    lastId = e.lastEventId || lastId;
    const { queryId, row } = JSON.parse(e.data);
    if (!book.takeRow(queryId, row)) return;
    redraw(queryId);
    if (row.final) refreshSoon(queryId);
  });
  source.addEventListener("reset", async () => {
    streamState("connecting", "catching up…");
    source.close();
    await start();
  });
}

function reconnectLater() {
  source?.close();
  setTimeout(() => follow(lastId), retryMs);
  retryMs = Math.min(2 * retryMs, MAX_RETRY_MS);
}

/** Reads the state and follows the stream from there, trying again while no replica answers. */
async function start() {
  try {
    follow(await loadFirstPage());
  } catch {
    streamState("connecting", "reconnecting…");
    setTimeout(start, retryMs);
    retryMs = Math.min(2 * retryMs, MAX_RETRY_MS);
  }
}

async function pollNodes() {
  try {
    drawNodes($("nodes"), (await listNodes()).items);
  } catch {
    // Shown again on the next poll.
  }
}

function setupToken() {
  const panel = $("token-panel");
  const input = $("token-input");
  input.value = token.get();
  $("token-toggle").addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    if (!panel.hidden) input.focus();
  });
  $("token-save").addEventListener("click", () => {
    token.set(input.value.trim());
    panel.hidden = true;
    formMessage("Token saved.", "ok");
  });
  $("token-clear").addEventListener("click", () => {
    token.set("");
    input.value = "";
  });
}

function formMessage(text, kind = "") {
  const m = $("form-message");
  m.textContent = text;
  m.dataset.kind = kind;
}

async function submit(definition) {
  const button = $("submit-query");
  button.disabled = true;
  formMessage("Submitting…");
  try {
    const { id, warnings = [] } = await submitQuery({ definition });
    // Stored either way; a warning (a concept no site of the shared vocabulary knows) is the researcher's to weigh.
    if (warnings.length > 0) formMessage(`Submitted ${id.slice(0, 8)}. ${warnings.join(" ")}`, "warn");
    else formMessage(`Submitted ${id.slice(0, 8)}.`, "ok");
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      $("token-panel").hidden = false;
      formMessage(
        err.status === 401 ? "This hub needs an API token to submit: paste one above." : "The API token was not accepted.",
        "error",
      );
    } else if (err instanceof ApiError && err.issues.length > 0) {
      formMessage(err.issues.map((i) => `${i.path}: ${i.message}`).join("; "), "error");
    } else {
      formMessage(err.message, "error");
    }
  } finally {
    button.disabled = false;
  }
}

setupToken();
setupForm({ form: $("query-form"), panels: $("panels"), template: $("panel-template"), addButton: $("add-panel"), onSubmit: submit });
$("load-older").addEventListener("click", () => void loadOlder());
async function applyFilter() {
  filter.status = $("filter-status").value;
  filter.researcherId = $("filter-researcher").value.trim();
  follow(await loadFirstPage());
}
$("filter-status").addEventListener("change", () => void applyFilter());
$("filter-researcher").addEventListener("change", () => void applyFilter());
$("query-filter").addEventListener("submit", (e) => {
  e.preventDefault();
  void applyFilter();
});
void pollNodes();
setInterval(pollNodes, 3000);
await start();
