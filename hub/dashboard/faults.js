// The Faults panel: the live fault windows (GET /api/faults), a form to add one and a button to lift
// one, and each site under a fault marked wherever the page shows it. A hub running the naive
// policy is announced above everything else (/healthz).

import { ApiError, token } from "./api.js";
import { el } from "./dom.js";

const POLL_MS = 2_000;

/** The field a kind's one parameter fills, and how the form asks for it. */
const PARAMETER = {
  latency: { field: "baseMs", label: "delay (ms)", value: "2000" },
  duplicate: { field: "probability", label: "probability", value: "1" },
  reorder: { field: "probability", label: "probability", value: "0.5" },
  partition: { field: "direction", label: "direction (publish, consume, both)", value: "both" },
  nodeCrash: null,
};

async function call(path, init = {}) {
  const headers = { accept: "application/json", ...init.headers };
  const bearer = token.get();
  if (bearer && init.method) headers.authorization = `Bearer ${bearer}`;
  const response = await fetch(path, { ...init, headers });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

function describe(w) {
  const { kind: _k, nodeId: _n, for: _f, ...fields } = w.fault;
  const detail = Object.entries(fields)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return `${w.label}${detail ? ` (${detail})` : ""}`;
}

const until = (w) =>
  w.ended === null ? `until ${new Date(w.endsAt).toLocaleTimeString()}` : `${w.ended} ${new Date(w.endedAt).toLocaleTimeString()}`;

function panel() {
  const kinds = el(
    "select",
    { id: "fault-kind", "aria-label": "Fault kind" },
    ...Object.keys(PARAMETER).map((k) => el("option", { value: k, text: k })),
  );
  const node = el("select", { id: "fault-node", "aria-label": "Site" });
  const parameter = el("input", { id: "fault-parameter", type: "text", spellcheck: "false" });
  const parameterLabel = el("label", { class: "fault-parameter" }, el("span", { text: "" }), parameter);
  const seconds = el("input", { id: "fault-seconds", type: "number", min: "1", max: "86400", value: "60", inputmode: "numeric" });
  const message = el("span", { id: "fault-message", class: "form-message", role: "status" });
  const form = el(
    "form",
    { id: "fault-form", class: "fault-form", novalidate: "" },
    el("label", {}, el("span", { text: "fault" }), kinds),
    el("label", {}, el("span", { text: "at site" }), node),
    parameterLabel,
    el("label", {}, el("span", { text: "for (s)" }), seconds),
    el("button", { type: "submit", id: "fault-add", text: "Add fault" }),
    message,
  );
  const list = el("ul", { id: "fault-list", class: "fault-list" });
  const section = el(
    "section",
    { id: "faults", class: "faults card", "aria-label": "Faults" },
    el("h2", { text: "Faults" }),
    el("p", { class: "hint", text: "Live faults at one site for a while; each heals by itself at its end." }),
    form,
    list,
  );
  const showParameter = () => {
    const p = PARAMETER[kinds.value];
    parameterLabel.hidden = p === null;
    if (p) {
      parameterLabel.firstChild.textContent = p.label;
      parameter.value = p.value;
    }
  };
  kinds.addEventListener("change", showParameter);
  showParameter();
  return { section, form, list, kinds, node, parameter, seconds, message };
}

/** Marks every row and site entry of a site under a fault; the page redraws rows, so this runs after each redraw. */
function markSites(active) {
  const bySite = new Map();
  for (const w of active) bySite.set(w.nodeId, [...(bySite.get(w.nodeId) ?? []), w.label]);
  for (const node of document.querySelectorAll("[data-node-id]")) {
    const labels = bySite.get(node.getAttribute("data-node-id"));
    const text = labels ? `⚡ ${labels.join(", ")}` : null;
    if ((node.getAttribute("data-fault") ?? null) === text) continue;
    node.querySelector(":scope > .fault-mark, :scope > th > .fault-mark")?.remove();
    if (!text) {
      node.removeAttribute("data-fault");
      continue;
    }
    node.setAttribute("data-fault", text);
    const mark = el("span", { class: "fault-mark", text });
    (node.querySelector(":scope > th") ?? node).append(mark);
  }
}

function naiveBanner(health) {
  if (health?.policy !== "naive") return;
  const banner = el(
    "div",
    { id: "policy-banner", class: "policy-banner", role: "alert" },
    el("strong", { text: "NAIVE POLICY " }),
    health.warning ?? "",
  );
  document.body.prepend(banner);
}

export async function startFaults() {
  const link = el("link", { rel: "stylesheet", href: "/dashboard/faults.css" });
  document.head.append(link);
  naiveBanner(await call("/healthz").catch(() => null));
  const ui = panel();
  document.querySelector("section.nodes")?.after(ui.section);
  let active = [];

  const refresh = async () => {
    try {
      const { items } = await call("/api/faults");
      active = items.filter((w) => w.ended === null);
      ui.list.replaceChildren(
        ...(items.length === 0 ? [el("li", { class: "muted", text: "No fault windows yet." })] : []),
        ...items.slice(0, 20).map((w) => {
          const lift = el("button", { type: "button", class: "secondary small", text: "Remove", "data-fault-id": w.id });
          lift.addEventListener("click", async () => {
            await call(`/api/faults/${w.id}`, { method: "DELETE" }).catch((err) => (ui.message.textContent = err.message));
            await refresh();
          });
          return el(
            "li",
            {
              "data-fault-id": w.id,
              "data-fault-node": w.nodeId,
              "data-ended": w.ended ?? "",
              class: w.ended === null ? "in-force" : "ended",
            },
            el("span", { class: "fault-site", text: w.nodeId }),
            el("span", { class: "fault-what", text: describe(w) }),
            el("span", { class: "muted", text: until(w) }),
            ...(w.ended === null ? [lift] : []),
          );
        }),
      );
      markSites(active);
    } catch {
      // The stream state shows a hub that went away; the panel keeps what it last showed.
    }
  };

  const nodes = await call("/api/nodes").catch(() => ({ items: [] }));
  ui.node.replaceChildren(...nodes.items.map((n) => el("option", { value: n.nodeId, text: n.nodeId })));
  ui.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const kind = ui.kinds.value;
    const body = { kind, nodeId: ui.node.value, for: Math.round(Number(ui.seconds.value) * 1000) };
    const p = PARAMETER[kind];
    if (p) body[p.field] = p.field === "direction" ? ui.parameter.value.trim() : Number(ui.parameter.value);
    try {
      await call("/api/faults", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      ui.message.textContent = `${kind} added at ${body.nodeId}`;
    } catch (err) {
      ui.message.textContent = err.issues?.length ? err.issues.map((i) => `${i.path}: ${i.message}`).join("; ") : err.message;
    }
    await refresh();
  });
  new MutationObserver(() => markSites(active)).observe(document.body, { childList: true, subtree: true });
  await refresh();
  setInterval(refresh, POLL_MS);
}

void startFaults();
