import { beforeAll, expect, it } from "vitest";
import { type ReadEvent, readEvents } from "../hub/events/sseReader.ts";
import { canonicalJson } from "../shared/apply/sameState.ts";
import type { ResultState } from "../shared/protocol/items.ts";
import { createStore } from "../shared/store/create.ts";
import { freePort, pollUntil } from "../shared/testing/net.ts";
import { describeWith, SERVICES } from "../shared/testing/services.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import type { Child } from "./child.ts";
import { HubApi, type NodeRow, type QueryView, RegressionWatch } from "./testing/hubApi.ts";
import { suiteRun } from "./testing/run.ts";

const NODES = ["site-a", "site-b", "site-c"];
/** In QNET_NODES but never started: each of its results times out, which one replica must write once. */
const SILENT = "site-z";
/** Reads of every replica's GET /api/nodes, one round after another, while the nodes run. */
const LIVENESS_ROUNDS = 12;
const DEFINITIONS = [
  { panels: [{ concepts: ["dx:E11.9"] }] },
  { panels: [{ concepts: ["dx:I10"] }], sex: "F" },
  { panels: [{ concepts: ["dx:E11.9", "dx:E10.9"] }, { concepts: ["rx:metformin"], not: true }], age: { min: 40, max: 65 } },
];

/** What a client following a stream ends with: the last row of each site and the last state of each query it was told of. */
function lastOfEach(events: readonly ReadEvent[]): Record<string, string> {
  const last: Record<string, string> = {};
  for (const e of events) {
    const data = JSON.parse(e.data) as { queryId: string; row?: { nodeId: string } };
    const key = e.type === "result" ? `${data.queryId}:${data.row?.nodeId}` : `${e.type} ${data.queryId}`;
    last[key] = canonicalJson(data);
  }
  return last;
}

/** What every replica must agree on about a query: its status and each site's row. */
const agreed = (v: QueryView) => canonicalJson({ status: v.status, nodes: [...v.nodes].sort((a, b) => a.nodeId.localeCompare(b.nodeId)) });

interface Replica {
  name: string;
  port: number;
  api: HubApi;
  child: Child;
  watch: RegressionWatch;
}

interface ReplicaRun {
  accepted: string[];
  /** Per replica, the final view of every accepted query. */
  finals: Map<string, Map<string, QueryView>>;
  watches: Map<string, RegressionWatch>;
  /** Per replica, what `npm run rebuild` printed against it and its exit code. */
  rebuilds: Map<string, { code: number | null; output: string }>;
  /** Events of the first replica's stream after the id handed to another replica, and that replica's answer to the id. */
  resume: { from: string; onFirst: ReadEvent[]; onOther: ReadEvent[] };
  /** Per result id, how many timedOut states the store holds. */
  timedOut: Map<string, number>;
  results: number;
  /** Rounds of GET /api/nodes while the nodes ran: per round, each replica's rows. */
  liveness: Map<string, NodeRow[]>[];
}

/**
 * N hub replicas as separate processes over one PostgreSQL schema and one broker prefix, three node
 * processes and a site that never answers. Queries go to every replica in turn; one replica is
 * killed with SIGKILL while results stream in, and started again. Every replica must end exact (what
 * `npm run rebuild` replays from the store), none may ever show a site moving back, all must agree,
 * an event id of one replica resumes on another with neither reset nor gap, and each silent
 * site's result is timed out once in the store.
 */
function replicaSuite(transport: "amqp" | "nats", hubs: 2 | 3): void {
  const testRun = suiteRun(`rep${hubs}-${transport}`, { transport, nodeIds: [...NODES, SILENT] });
  const { pool, schema } = testRun;
  let run: ReplicaRun;

  const common = {
    ...testRun.env(),
    QNET_STORE: "postgres",
    QNET_HUBS: String(hubs),
    QNET_NODES: [...NODES, SILENT].join(","),
    QNET_RESULT_TIMEOUT_MS: "20000",
    QNET_HEARTBEAT_MS: "1000",
    LOG_LEVEL: "warn",
  };
  const output = () => [...Array(hubs).keys()].map((i) => pool.output(`hub-${i + 1}`)).join("\n");

  beforeAll(async () => {
    const dir = testRun.stateDir;
    const replicas: Replica[] = [];
    const startReplica = async (name: string, port: number): Promise<Child> => {
      const child = pool.start(name, "hub/main.ts", { ...common, QNET_HTTP_PORT: String(port) });
      const api = new HubApi(`http://127.0.0.1:${port}`);
      await Promise.race([
        api.waitReady(120_000),
        child.exited.then((exit) => {
          throw new Error(`${name} exited (${JSON.stringify(exit)}) before it was ready:\n${pool.output(name)}`);
        }),
      ]);
      return child;
    };
    for (let i = 0; i < hubs; i++) {
      const name = `hub-${i + 1}`;
      const port = await freePort();
      replicas.push({
        name,
        port,
        api: new HubApi(`http://127.0.0.1:${port}`),
        child: await startReplica(name, port),
        watch: new RegressionWatch(),
      });
    }
    const nodes = NODES.map((nodeId) =>
      pool.start(nodeId, "node-agent/main.ts", {
        ...common,
        QNET_NODE_ID: nodeId,
        QNET_NODE_STATE_DIR: dir,
        QNET_NODE_PROFILE: "fast",
        QNET_NODE_POPULATION: "2000",
        QNET_NODE_TIME_SCALE: "0.2",
      }),
    );

    // The first replica's stream, read from the start to the end of the run.
    const first = replicas[0] as Replica;
    const streamed: ReadEvent[] = [];
    const stopStream = new AbortController();
    const stream = readEvents(`${first.api.baseUrl}/api/events`, { signal: stopStream.signal, onEvent: (e) => streamed.push(e) });

    const accepted: string[] = [];
    let down: Replica | undefined;
    const submit = async (i: number) => {
      const alive = replicas.filter((r) => r !== down);
      const replica = alive[i % alive.length] as Replica;
      const response = await fetch(`${replica.api.baseUrl}/api/queries`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ definition: DEFINITIONS[i % DEFINITIONS.length], researcherId: `dr-${i}` }),
      });
      if (response.status !== 202) throw new Error(`POST to ${replica.name}: ${response.status} ${await response.text()}`);
      accepted.push(((await response.json()) as { id: string }).id);
    };

    // Readers of every replica, all along: a row that moves back on any of them is a regression.
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const r of replicas.filter((r) => r !== down)) {
          for (const id of accepted.slice(-6)) {
            const view = await r.api.query(id);
            if (view) r.watch.observe(view);
          }
        }
        await systemClock.sleep(200);
      }
    })();

    for (let i = 0; i < 24; i++) await submit(i);
    await pollUntil(
      "sites to be working on results",
      90_000,
      async () => {
        const views = await Promise.all(accepted.map((id) => first.api.query(id)));
        const working = views.flatMap((v) => v?.nodes ?? []).filter((n) => n.stage > 200 && !n.final);
        return working.length >= 5;
      },
      { everyMs: 250, describe: output },
    );
    // An id taken from the first replica's stream mid-run, for another replica to resume from.
    const from = streamed.at(-1)?.id as string;
    const victim = replicas[hubs - 1] as Replica;
    down = victim;
    await pool.kill(victim.child);
    for (let i = 24; i < 30; i++) await submit(i);
    await systemClock.sleep(1_500);
    victim.child = await startReplica(victim.name, victim.port);
    down = undefined;
    for (let i = 30; i < 36; i++) await submit(i);

    await pollUntil(
      "every query to be done on every replica",
      240_000,
      async () => {
        for (const r of replicas) {
          const views = await Promise.all(accepted.map((id) => r.api.query(id)));
          if (!views.every((v) => v?.status === "done")) return false;
        }
        return true;
      },
      { everyMs: 500, describe: output },
    );
    // Liveness as each replica shows it, round after round: each must see every running node's heartbeats.
    const liveness: Map<string, NodeRow[]>[] = [];
    for (let round = 0; round < LIVENESS_ROUNDS; round++) {
      const rows = await Promise.all(replicas.map(async (r) => [r.name, await r.api.nodes()] as const));
      liveness.push(new Map(rows));
      await systemClock.sleep(250);
    }
    for (const n of nodes) await n.stop();

    // Exact: each replica's view equals the store replayed, once late deliveries (NATS's ack wait) are in.
    const rebuilds = new Map<string, { code: number | null; output: string }>();
    const finals = new Map<string, Map<string, QueryView>>();
    let agreeing = false;
    await pollUntil(
      "every replica to equal the store and the others",
      120_000,
      async () => {
        for (const r of replicas) {
          const views = new Map<string, QueryView>();
          for (const id of accepted) {
            const view = await r.api.query(id);
            if (view) views.set(id, view);
          }
          finals.set(r.name, views);
        }
        const [one, ...others] = [...finals.values()] as [Map<string, QueryView>, ...Map<string, QueryView>[]];
        agreeing = others.every((o) => accepted.every((id) => o.get(id) && one.get(id) && agreed(o.get(id)!) === agreed(one.get(id)!)));
        if (!agreeing) return false;
        for (const r of replicas) {
          const cli = pool.start(`rebuild-${r.name}`, "hub/rebuild/main.ts", { ...common, QNET_HUB_URL: r.api.baseUrl });
          const { code } = await cli.exited;
          rebuilds.set(r.name, { code, output: pool.output(`rebuild-${r.name}`) });
          if (code !== 0) return false;
        }
        return true;
      },
      { everyMs: 1_000, describe: output },
    );

    // Another replica (the one that was killed and started again) answers the first one's id.
    const onOther: ReadEvent[] = [];
    const lastOnFirst = streamed.at(-1)?.id;
    const resumed = new AbortController();
    const other = readEvents(`${victim.api.baseUrl}/api/events`, {
      lastEventId: from,
      signal: resumed.signal,
      onEvent: (e) => onOther.push(e),
    });
    await pollUntil("the other replica to catch up with the first one's stream", 30_000, () =>
      onOther.some((e) => e.type === "reset" || e.id === lastOnFirst),
    );
    resumed.abort();
    stopStream.abort();
    await Promise.allSettled([stream, other]);
    watching = false;
    await watcher;
    const onFirst = streamed.slice(streamed.findIndex((e) => e.id === from) + 1, streamed.findIndex((e) => e.id === lastOnFirst) + 1);

    const store = await createStore("postgres", { clock: systemClock, databaseUrl: SERVICES.postgres.url, schema });
    const timedOut = new Map<string, number>();
    const resultIds = new Set<string>();
    try {
      for await (const s of store.replay()) {
        if (s.kind !== "result") continue;
        resultIds.add(s.id);
        if ((s.state as ResultState).status === "timedOut") timedOut.set(s.id, (timedOut.get(s.id) ?? 0) + 1);
      }
    } finally {
      await store.close();
    }
    run = {
      accepted,
      finals,
      watches: new Map(replicas.map((r) => [r.name, r.watch])),
      rebuilds,
      resume: { from, onFirst, onOther: onOther.slice(0, onOther.findIndex((e) => e.id === lastOnFirst) + 1) },
      timedOut,
      results: resultIds.size,
      liveness,
    };
  }, 600_000);

  it("ends every replica exact: npm run rebuild finds no difference between the store and any of them", () => {
    expect([...run.rebuilds.keys()]).toHaveLength(hubs);
    for (const [name, rebuild] of run.rebuilds) {
      expect(rebuild.output, name).toContain("no difference");
      expect(rebuild.code, name).toBe(0);
    }
  });

  it("shows every query on every replica, done, and the replicas agree on each", () => {
    const [first, ...others] = [...run.finals.values()] as [Map<string, QueryView>, ...Map<string, QueryView>[]];
    for (const id of run.accepted) {
      expect(first.get(id)?.status, id).toBe("done");
      for (const other of others) expect(agreed(other.get(id)!), id).toBe(agreed(first.get(id)!));
    }
  });

  it("never showed a reader of any replica a site moving back", () => {
    for (const [name, watch] of run.watches) {
      expect(watch.views, name).toBeGreaterThan(0);
      expect(watch.regressions, name).toEqual([]);
    }
  });

  it("resumes an event id of one replica on another with no reset and no gap", () => {
    expect(run.resume.onFirst.length).toBeGreaterThan(0);
    expect(run.resume.onOther.length).toBeGreaterThan(0);
    expect(run.resume.onOther.map((e) => e.type)).not.toContain("reset");
    // Each replica may skip a state its view had already passed, so the two streams need not match
    // event for event; a client following either from the id ends with the same rows.
    expect(lastOfEach(run.resume.onOther)).toEqual(lastOfEach(run.resume.onFirst));
  });

  it("shows every running node alive with a lastHeartbeat on every replica, round after round, and the replicas agree on who is alive", () => {
    expect(run.liveness).toHaveLength(LIVENESS_ROUNDS);
    for (const [round, rows] of run.liveness.entries()) {
      expect([...rows.keys()]).toHaveLength(hubs);
      const aliveSets = new Set<string>();
      for (const [name, nodes] of rows) {
        const where = `${name}, round ${round}`;
        const byId = new Map(nodes.map((n) => [n.nodeId, n]));
        for (const nodeId of NODES)
          expect(byId.get(nodeId), `${nodeId} on ${where}`).toMatchObject({ known: true, alive: true, lastHeartbeat: expect.any(String) });
        expect(byId.get(SILENT), `${SILENT} on ${where}`).toMatchObject({ known: true, alive: false, lastHeartbeat: null });
        aliveSets.add(
          nodes
            .filter((n) => n.alive)
            .map((n) => n.nodeId)
            .sort()
            .join(","),
        );
      }
      expect([...aliveSets], `round ${round}`).toEqual([NODES.join(",")]);
    }
  });

  it("times out each result of the silent site once, whichever replica wrote it", () => {
    expect(run.results).toBe(run.accepted.length * (NODES.length + 1));
    for (const id of run.accepted) expect(run.timedOut.get(`${id}:${SILENT}`), `${id}:${SILENT}`).toBe(1);
    expect([...run.timedOut.values()].every((n) => n === 1)).toBe(true);
  });
}

for (const transport of ["amqp", "nats"] as const) {
  for (const hubs of [2, 3] as const) {
    await describeWith([transport, "postgres"], `${hubs} hub replicas on ${transport} and PostgreSQL, one killed mid-ingest`, () =>
      replicaSuite(transport, hubs),
    );
  }
}
