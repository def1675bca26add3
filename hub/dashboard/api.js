// The hub's HTTP API as the page uses it (PROTOCOL.md section 6).

const TOKEN_KEY = "qnet.apiToken";

export const token = {
  get: () => localStorage.getItem(TOKEN_KEY) ?? "",
  set: (value) => (value ? localStorage.setItem(TOKEN_KEY, value) : localStorage.removeItem(TOKEN_KEY)),
};

/** An answer that is not 2xx, with the hub's reason and, for a 400, every issue. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `the hub answered ${status}`);
    this.status = status;
    this.issues = body?.issues ?? [];
  }
}

async function call(path, init = {}) {
  const response = await fetch(path, { ...init, headers: { accept: "application/json", ...init.headers } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** A page of queries, newest first; `filter` may name a status and a researcher. */
export function listQueries(offset = 0, limit = 20, filter = {}) {
  const params = new URLSearchParams({ offset: String(offset), limit: String(limit) });
  for (const [k, v] of Object.entries(filter)) if (v) params.set(k, v);
  return call(`/api/queries?${params}`);
}
export const getQuery = (id) => call(`/api/queries/${encodeURIComponent(id)}`);
export const listNodes = () => call("/api/nodes");

export function submitQuery(body) {
  const headers = { "content-type": "application/json" };
  const bearer = token.get();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  return call("/api/queries", { method: "POST", headers, body: JSON.stringify(body) });
}
export const getHistory = (id) => call(`/api/queries/${encodeURIComponent(id)}/history`);
