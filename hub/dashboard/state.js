// What the page knows of each query. Snapshots (GET) and events may arrive in any order, so a
// row or a query is replaced only by one of higher precedence, as the hub's own view does.

const QUERY_STAGE = { created: 100, dispatched: 200, done: 300, failed: 300 };

const outranks = (stageA, versionA, stageB, versionB) => stageA > stageB || (stageA === stageB && versionA > versionB);

export class QueryBook {
  constructor() {
    /** id -> { header, rows: Map(nodeId -> row), summary } */
    this.queries = new Map();
  }

  /** Takes a query header (from an event or a snapshot); answers whether it changed what is shown. */
  takeHeader(header) {
    const id = header.id ?? header.queryId;
    const known = this.queries.get(id);
    const next = { ...header, id };
    if (!known) {
      this.queries.set(id, { header: next, rows: new Map(), summary: null });
      return true;
    }
    const a = known.header;
    if (!outranks(QUERY_STAGE[next.status], next.itemVersion, QUERY_STAGE[a.status], a.itemVersion)) return false;
    known.header = next;
    return true;
  }

  takeRow(queryId, row) {
    const query = this.queries.get(queryId);
    if (!query) return false;
    const shown = query.rows.get(row.nodeId);
    if (shown && !outranks(row.stage, row.itemVersion, shown.stage, shown.itemVersion)) return false;
    query.rows.set(row.nodeId, row);
    return true;
  }

  /** A full query from GET /api/queries/<id> or the list. */
  takeSnapshot(view) {
    const { nodes, summary, ...header } = view;
    this.takeHeader(header);
    for (const row of nodes) this.takeRow(view.id, row);
    this.queries.get(view.id).summary = summary;
  }

  get(id) {
    return this.queries.get(id);
  }

  has(id) {
    return this.queries.has(id);
  }

  clear() {
    this.queries.clear();
  }
}
