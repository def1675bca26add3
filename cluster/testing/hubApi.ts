import { pollUntil } from "../../shared/testing/net.ts";

/** One site's row of GET /api/queries/:id (PROTOCOL.md section 6). */
export interface SiteRow {
  nodeId: string;
  status: string;
  stage: number;
  final: boolean;
  count: number | null;
  itemVersion: number;
}

export interface QueryView {
  id: string;
  status: string;
  nodes: SiteRow[];
  summary: { nodes: number; completed: number; failed: number; pending: number };
}

/** One node's row of GET /api/nodes. */
export interface NodeRow {
  nodeId: string;
  known: boolean;
  lastHeartbeat: string | null;
  activeQueries: number;
  alive: boolean;
}

/** A query every simulated site can count. */
export const DIABETES_QUERY = { panels: [{ concepts: ["dx:E11.9", "dx:E10.9"] }] };

/** The hub's HTTP API as a researcher's client sees it, from another process. */
export class HubApi {
  constructor(readonly baseUrl: string) {}

  async ready(): Promise<boolean> {
    try {
      return (await fetch(`${this.baseUrl}/readyz`)).ok;
    } catch {
      return false;
    }
  }

  async waitReady(timeoutMs = 90_000): Promise<void> {
    await pollUntil(`the hub at ${this.baseUrl} to be ready`, timeoutMs, () => this.ready(), { everyMs: 200 });
  }

  /** POST /api/queries; resolves with the new query's id. */
  async submit(nodeIds?: readonly string[], definition: unknown = DIABETES_QUERY): Promise<string> {
    const response = await fetch(`${this.baseUrl}/api/queries`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ definition, researcherId: "test-researcher", ...(nodeIds ? { nodeIds } : {}) }),
    });
    if (response.status !== 202) throw new Error(`POST /api/queries answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { id: string }).id;
  }

  /** GET /api/queries/:id, or undefined while the hub cannot answer (e.g. restarting). */
  async query(id: string): Promise<QueryView | undefined> {
    try {
      const response = await fetch(`${this.baseUrl}/api/queries/${id}`);
      return response.ok ? ((await response.json()) as QueryView) : undefined;
    } catch {
      return undefined;
    }
  }

  /** GET /api/nodes: the nodes and their liveness as this hub sees them. */
  async nodes(): Promise<NodeRow[]> {
    const response = await fetch(`${this.baseUrl}/api/nodes`);
    if (!response.ok) throw new Error(`GET /api/nodes answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { items: NodeRow[] }).items;
  }

  /** Polls the query's view until the condition holds; each view read is handed to `onView` first. */
  async waitFor(
    id: string,
    what: string,
    condition: (view: QueryView) => boolean,
    options: { timeoutMs?: number; onView?: (view: QueryView) => void } = {},
  ): Promise<QueryView> {
    let last: QueryView | undefined;
    try {
      await pollUntil(`query ${id}: ${what}`, options.timeoutMs ?? 120_000, async () => {
        const view = await this.query(id);
        if (!view) return false;
        last = view;
        options.onView?.(view);
        return condition(view);
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}; last view: ${JSON.stringify(last?.nodes ?? null)}`);
    }
    return last as QueryView;
  }

  /** Until the query is done with every site completed. */
  waitCompleted(id: string, options: { timeoutMs?: number; onView?: (view: QueryView) => void } = {}): Promise<QueryView> {
    return this.waitFor(
      id,
      "completed at every site",
      (v) => v.status === "done" && v.nodes.every((n) => n.status === "completed"),
      options,
    );
  }
}

/**
 * Records every view of queries read during a run and says whether any site's state ever moved
 * to a lower precedence (stage, then itemVersion): the view must never regress.
 */
export class RegressionWatch {
  private readonly best = new Map<string, SiteRow>();
  readonly regressions: string[] = [];
  views = 0;

  observe = (view: QueryView): void => {
    this.views++;
    for (const row of view.nodes) {
      const key = `${view.id} at ${row.nodeId}`;
      const before = this.best.get(key);
      if (before && (row.stage < before.stage || (row.stage === before.stage && row.itemVersion < before.itemVersion))) {
        this.regressions.push(`${key}: ${before.status}@v${before.itemVersion} -> ${row.status}@v${row.itemVersion}`);
      }
      if (!before || row.stage > before.stage || (row.stage === before.stage && row.itemVersion > before.itemVersion))
        this.best.set(key, row);
    }
  };
}
