import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, expect, it } from "vitest";
import { DEFAULT_NODES } from "../shared/config.ts";
import { freePort } from "../shared/testing/net.ts";
import { describeWith, SERVICES, uniquePrefix } from "../shared/testing/services.ts";
import { deleteAmqpPrefix } from "../shared/transport/mod.ts";
import { HubApi } from "./testing/hubApi.ts";
import { ProcessPool } from "../shared/testing/processes.ts";

await describeWith(["amqp", "postgres"], "npm run cluster: the compose topology as local processes", () => {
  const pool = new ProcessPool();
  const prefix = uniquePrefix("cluster");
  const schema = prefix.replace(/-/g, "_");
  let stateDir: string | undefined;

  afterEach(async () => {
    await pool.killAll();
    await deleteAmqpPrefix(SERVICES.amqp.url, prefix, DEFAULT_NODES);
    const db = new pg.Client({ connectionString: SERVICES.postgres.url });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it("runs the hub and five hospitals with the compose environment, answers a query from every site, and stops them all on Ctrl-C", async () => {
    stateDir = await mkdtemp(join(tmpdir(), "qnet-cluster-"));
    const port = await freePort();
    // The variables docker-compose.yml interpolates; everything else comes from the file.
    const env = { QNET_PREFIX: prefix, QNET_DB_SCHEMA: schema, QNET_HTTP_PORT: String(port), QNET_NODE_TIME_SCALE: "0.05" };
    const cluster = pool.start("cluster", "cluster/main.ts", env, ["--state-dir", stateDir]);
    const api = new HubApi(`http://127.0.0.1:${port}`);
    await api.waitReady();
    for (const node of DEFAULT_NODES) await pool.waitForLine("cluster", new RegExp(`^${node} +\\| .*node agent ready`));

    const id = await api.submit();
    const done = await api.waitFor(id, "final at every site", (v) => v.status === "done", { timeoutMs: 180_000 });
    expect(done.nodes.map((n) => n.nodeId).sort()).toEqual(DEFAULT_NODES);
    expect(done.nodes.every((n) => n.final)).toBe(true);
    // Ledgers lie in the compose file's named volume, moved under the state directory.
    expect((await readdir(join(stateDir, "node-ledgers"))).sort()).toEqual(DEFAULT_NODES.map((n) => `node-${n}.ledger.jsonl`));

    cluster.signal("SIGINT");
    expect(await cluster.exited).toEqual({ code: 0, signal: null });
    const out = pool.output("cluster");
    expect(out).toMatch(/^hub +\| .*"hub ready"/m);
    expect(out).toMatch(/"store":"postgres"/);
    for (const name of ["hub", ...DEFAULT_NODES]) expect(out).toMatch(new RegExp(`^${name} +\\| exited with code 0$`, "m"));
    expect(out).toMatch(/every process stopped cleanly/);
  }, 300_000);
});
