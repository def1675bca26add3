import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { ledgerPath } from "../node-agent/fileLedger.ts";
import { canonicalJson } from "../shared/apply/sameState.ts";
import type { StoredState } from "../shared/ports/store.ts";
import type { ResultState } from "../shared/protocol/items.ts";
import { createStore } from "../shared/store/create.ts";
import { freePort, pollUntil } from "../shared/testing/net.ts";
import { describeWith } from "../shared/testing/services.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import type { QueryHistory } from "../hub/http/history.ts";
import { suiteRun } from "./testing/run.ts";

const NODES = ["site-a", "site-b", "site-c"];
const HUB_STATUSES = new Set(["created", "sentToNode", "timedOut"]);
const DEFINITIONS = [
  { panels: [{ concepts: ["dx:E11.9"] }] },
  { panels: [{ concepts: ["dx:I10"] }], sex: "F" },
  { panels: [{ concepts: ["dx:E11.9", "dx:E10.9"] }, { concepts: ["rx:metformin"], not: true }], age: { min: 40, max: 65 } },
];

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return (await response.json()) as T;
}

async function postJson<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** A look at the hub that fails (refused while it starts, an error status) counts as "not yet". */
const orNotYet = (look: () => Promise<boolean>) => () => look().catch(() => false);

interface QueryShown {
  id: string;
  status: string;
  nodes: { nodeId: string; status: string; itemVersion: number; count: number | null }[];
}

interface CrashRun {
  /** Every query the hub knows at the end, as its API shows it. */
  shown: QueryShown[];
  /** Queries the API accepted (202) before and after the crash. */
  accepted: string[];
  /** What the nodes proposed, from their ledgers: every state each recorded and published. */
  proposed: ResultState[];
  /** Every stored state, read from the store after the hub stopped. */
  stored: StoredState[];
  /** The conflict log, from the history endpoint. */
  rebases: number;
  /** What `npm run rebuild` printed and its exit code, while the restarted hub ran. */
  rebuild: { code: number | null; output: string };
}

/**
 * kill -9 of a hub process while three node processes send updates as fast as their profile goes,
 * then the hub started again over the same store: the record must be exactly what was sent.
 */
function crashSuite(transport: "amqp" | "nats", storeKind: "postgres" | "pglite"): void {
  const testRun = suiteRun(`crash-${storeKind}`, { transport, nodeIds: NODES, store: storeKind });
  const { pool, schema } = testRun;
  const hubOutput = () => pool.output("hub");
  let run: CrashRun;

  beforeAll(async () => {
    const dir = testRun.stateDir;
    const storeSpec = storeKind === "postgres" ? "postgres" : `pglite:${join(dir, "db")}`;
    const common = {
      ...testRun.env(),
      QNET_STORE: storeSpec,
      QNET_NODES: NODES.join(","),
      QNET_RESULT_TIMEOUT_MS: "3600000",
      QNET_HEARTBEAT_MS: "1000",
      LOG_LEVEL: "warn",
    };
    const startHub = async () => {
      const port = await freePort();
      const hub = pool.start("hub", "hub/main.ts", { ...common, QNET_HTTP_PORT: String(port) });
      const url = `http://127.0.0.1:${port}`;
      await pollUntil(
        "the hub to be ready",
        60_000,
        orNotYet(async () => (await fetch(`${url}/readyz`)).ok),
        { everyMs: 250, describe: hubOutput },
      );
      return { hub, url };
    };
    const submit = (url: string, i: number) =>
      postJson<{ id: string }>(`${url}/api/queries`, { definition: DEFINITIONS[i % DEFINITIONS.length], researcherId: `dr-${i}` });

    let { hub, url } = await startHub();
    const nodes = NODES.map((nodeId) =>
      pool.start(nodeId, "node-agent/main.ts", {
        ...common,
        QNET_NODE_ID: nodeId,
        QNET_NODE_STATE_DIR: dir,
        QNET_NODE_PROFILE: "fast",
        QNET_NODE_POPULATION: "2000",
      }),
    );

    const accepted: string[] = [];
    for (let i = 0; i < 30; i++) accepted.push((await submit(url, i)).id);
    // Crash while sites are mid-result and submissions are still coming in.
    await pollUntil(
      "sites to be working on results",
      60_000,
      orNotYet(async () => {
        const moving = await Promise.all(accepted.map((id) => getJson<QueryShown>(`${url}/api/queries/${id}`)));
        const working = moving.flatMap((q) => q.nodes).filter((n) => !["created", "sentToNode", "completed", "failed"].includes(n.status));
        return working.length >= 5;
      }),
      { everyMs: 250, describe: hubOutput },
    );
    const inFlight = Array.from({ length: 10 }, (_, i) => submit(url, 30 + i).then((r) => accepted.push(r.id)));
    await Promise.race(inFlight);
    await pool.kill(hub);
    await Promise.allSettled(inFlight);
    // The sites go on proposing into the broker while no hub consumes.
    await systemClock.sleep(1_500);

    ({ hub, url } = await startHub());
    for (let i = 40; i < 50; i++) accepted.push((await submit(url, i)).id);

    const listAll = async () => {
      const page = await getJson<{ items: { id: string }[]; total: number }>(`${url}/api/queries?limit=500`);
      return Promise.all(page.items.map((q) => getJson<QueryShown>(`${url}/api/queries/${q.id}`)));
    };
    await pollUntil(
      "every query to be done",
      180_000,
      orNotYet(async () => (await listAll()).every((q) => q.status === "done")),
      { everyMs: 250, describe: hubOutput },
    );
    for (const n of nodes) await n.stop();

    const proposed: ResultState[] = [];
    for (const nodeId of NODES) {
      const lines = (await readFile(ledgerPath(dir, nodeId), "utf8")).split("\n").filter(Boolean);
      for (const line of lines) {
        const entry = JSON.parse(line) as { t: string; result?: ResultState };
        if (entry.t === "state" && entry.result) proposed.push(entry.result);
      }
    }
    const distinctSent = new Set(proposed.map((r) => `${r.id} ${r.versionInfo.itemVersion}`)).size;

    // What is still in the broker drains into the store. A delivery the killed hub held comes back
    // only after the broker's ack wait (30 s on NATS), so wait for the count the nodes' ledgers
    // and the hub's own writes call for, then for the record to stay put.
    const storedTotal = async () => {
      const all = await listAll();
      const histories = await Promise.all(all.map((q) => getJson<QueryHistory>(`${url}/api/queries/${q.id}/history`)));
      return {
        queries: all.length,
        results: all.reduce((n, q) => n + q.nodes.length, 0),
        total: histories.reduce((n, h) => n + h.states.length, 0),
        rebases: histories.reduce((n, h) => n + h.summary.conflicts.rebased, 0),
      };
    };
    let last = -1;
    let stable = 0;
    let rebases = 0;
    await pollUntil(
      "the store to hold every state the nodes sent, then stop growing",
      120_000,
      async () => {
        const now = await storedTotal();
        const due = distinctSent + 3 * now.queries + 2 * now.results + now.rebases;
        stable = now.total === last && now.total >= due ? stable + 1 : 0;
        last = now.total;
        rebases = now.rebases;
        return stable >= 3;
      },
      { everyMs: 500, describe: hubOutput },
    );
    const shown = await listAll();

    const cli = pool.start("rebuild", "hub/rebuild/main.ts", { ...common, QNET_HUB_URL: url, LOG_LEVEL: "warn" });
    const { code } = await cli.exited;
    const rebuild = { code, output: pool.output("rebuild") };

    expect((await hub.stop()).code).toBe(0);

    const store = await createStore(storeSpec, { clock: systemClock, schema });
    const stored: StoredState[] = [];
    try {
      for await (const s of store.replay()) stored.push(s);
    } finally {
      await store.close();
    }
    run = { shown, accepted, proposed, stored, rebases, rebuild };
  }, 420_000);

  it("completes every query, those accepted just before the crash included", () => {
    const ids = new Set(run.shown.map((q) => q.id));
    for (const id of run.accepted) expect(ids.has(id), `query ${id}`).toBe(true);
    expect(run.shown.length).toBeGreaterThanOrEqual(run.accepted.length);
    for (const q of run.shown) expect(q.status, `query ${q.id}`).toBe("done");
  });

  it("stores exactly the distinct states the nodes sent, plus the hub's own writes, plus the rebases", () => {
    const nodeStored = run.stored.filter((s) => s.kind === "result" && !HUB_STATUSES.has((s.state as ResultState).status));
    const sent = new Map(run.proposed.map((r) => [`${r.id} ${r.versionInfo.itemVersion}`, r]));
    const rebased = nodeStored.filter((s) => s.outcome === "conflict-rebased");
    expect(rebased).toHaveLength(run.rebases);
    // Every state a node sent is stored at its own key, as it was sent.
    for (const [key, r] of sent) {
      const at = nodeStored.find((s) => `${s.id} ${s.itemVersion}` === key);
      expect(at, `node state ${key}`).toBeDefined();
      if (at?.outcome !== "conflict-rebased") expect(canonicalJson(at?.state)).toBe(canonicalJson(r));
    }
    // The hub wrote created, dispatched and done for each query, created and sentToNode for each result.
    const queries = run.shown.length;
    const results = run.shown.reduce((n, q) => n + q.nodes.length, 0);
    expect(run.stored.filter((s) => s.kind === "query")).toHaveLength(3 * queries);
    expect(run.stored.filter((s) => s.kind === "result" && HUB_STATUSES.has((s.state as ResultState).status))).toHaveLength(2 * results);
    expect(run.stored.length).toBe(sent.size + 3 * queries + 2 * results + run.rebases);
  });

  it("applied nothing twice", () => {
    const keys = run.stored.map((s) => `${s.kind} ${s.id} ${s.itemVersion}`);
    expect(new Set(keys).size).toBe(keys.length);
    // No result holds the same state twice under two versions: a redelivery stored again would.
    const contents = run.stored
      .filter((s) => s.kind === "result")
      .map((s) => `${s.id} ${canonicalJson({ ...s.state, versionInfo: undefined })}`);
    expect(new Set(contents).size).toBe(contents.length);
  });

  it("shows each result as the node's final state", () => {
    const newest = new Map<string, ResultState>();
    for (const r of run.proposed) {
      const known = newest.get(r.id);
      if (!known || known.versionInfo.itemVersion < r.versionInfo.itemVersion) newest.set(r.id, r);
    }
    for (const q of run.shown) {
      expect(q.nodes).toHaveLength(NODES.length);
      for (const row of q.nodes) {
        const last = newest.get(`${q.id}:${row.nodeId}`);
        expect(last, `result ${q.id}:${row.nodeId}`).toBeDefined();
        expect({ status: row.status, itemVersion: row.itemVersion, count: row.count }).toEqual({
          status: last?.status,
          itemVersion: last?.versionInfo.itemVersion,
          count: last?.count ?? null,
        });
      }
    }
  });

  it("npm run rebuild finds no difference between the replayed store and the restarted hub", () => {
    expect(run.rebuild.output).toContain("no difference");
    expect(run.rebuild.code).toBe(0);
  });
}

await describeWith(["postgres", "amqp"], "hub crash recovery: kill -9 over PostgreSQL and RabbitMQ", () => crashSuite("amqp", "postgres"));
await describeWith(["nats"], "hub crash recovery: kill -9 over PGlite in a folder and NATS JetStream", () => crashSuite("nats", "pglite"));
