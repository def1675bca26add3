import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { DEFAULT_NODES } from "../shared/config.ts";
import { describeWith } from "../shared/testing/services.ts";
import { hubBrokerUser, nodeBrokerUser } from "../trust/identity.ts";
import { HubApi } from "./testing/hubApi.ts";
import { type ClusterOptions, runsPerTest } from "./testing/run.ts";

const run = promisify(execFile);

/** The users of a prefix RabbitMQ knows, and those its open connections are logged in as. */
async function rabbitUsers(prefix: string, list: "list_users" | "list_connections"): Promise<string[]> {
  const { stdout } = await run("rabbitmqctl", ["--quiet", list, ...(list === "list_connections" ? ["user"] : [])]);
  const users = stdout.split("\n").map((line) => line.split("\t")[0]!.trim());
  return [...new Set(users.filter((u) => u.startsWith(`${prefix}.`)))].sort();
}

await describeWith(["amqp", "postgres"], "npm run cluster: the compose topology as local processes", () => {
  const newRun = runsPerTest({ transport: "amqp", nodeIds: DEFAULT_NODES });

  /** `npm run cluster` of a run of its own, ready through the balancer, every site consuming. The label names the run's prefix and its process. */
  async function startCluster(label: string, options: ClusterOptions = {}) {
    const testRun = newRun(label);
    const { cluster, port } = await testRun.startCluster(options);
    const api = new HubApi(`http://127.0.0.1:${port}`);
    // Through the balancer, which starts once the hub is healthy: slow on a loaded machine.
    await api.waitReady(240_000);
    for (const node of DEFAULT_NODES) await testRun.pool.waitForLine(label, new RegExp(`^${node} +\\| .*node agent ready`));
    return { cluster, api, port, testRun };
  }

  async function queryCompletesEverywhere(api: HubApi): Promise<void> {
    const id = await api.submit();
    const done = await api.waitFor(id, "final at every site", (v) => v.status === "done", { timeoutMs: 180_000 });
    expect(done.nodes.map((n) => n.nodeId).sort()).toEqual(DEFAULT_NODES);
    expect(done.nodes.every((n) => n.final)).toBe(true);
  }

  function expectCleanStop(out: string, names: string[]): void {
    for (const name of names) expect(out).toMatch(new RegExp(`^${name} +\\| exited with code 0$`, "m"));
    expect(out).toMatch(/every process stopped cleanly/);
  }

  it("runs the hub and five hospitals with the compose environment, answers a query from every site, and stops them all on Ctrl-C", async () => {
    const { cluster, api, port, testRun } = await startCluster("cluster");
    const { pool } = testRun;
    await queryCompletesEverywhere(api);
    // Ledgers lie in the compose file's named volume, moved under the state directory.
    expect((await readdir(join(testRun.stateDir, "node-ledgers"))).sort()).toEqual(DEFAULT_NODES.map((n) => `node-${n}.ledger.jsonl`));
    // The page and the API through the balancer, which the compose file publishes on QNET_HTTP_PORT.
    expect(pool.output("cluster")).toContain(`ready through the balancer: dashboard at http://127.0.0.1:${port}/`);
    expect(pool.output("cluster")).toMatch(/^cluster +\| hub is ready: dashboard at http:\/\/127\.0\.0\.1:\d+\//m);

    // One Ctrl-C reaches the launcher more than once: the terminal signals the whole foreground process
    // group, and npm and tsx relay it. A copy arriving once the stop has begun keeps it graceful.
    let copied = false;
    cluster.process.stdout?.on("data", (chunk: Buffer) => {
      if (copied || !chunk.toString().includes("stopping every process gracefully")) return;
      copied = true;
      cluster.signal("SIGINT");
    });
    cluster.signal("SIGINT");
    expect(await cluster.exited).toEqual({ code: 0, signal: null });
    const out = pool.output("cluster");
    // Not on a terminal: the processes' log lines stay JSON.
    expect(out).toMatch(/^hub +\| .*"hub ready"/m);
    expect(out).toMatch(/"store":"postgres"/);
    // Without --auth the setup makes nobody and leaves NATS open; every process is guest.
    expect(out).toMatch(/^broker-users +\| broker auth off/m);
    expect(copied).toBe(true);
    expectCleanStop(out, ["broker-users", "hub", "haproxy", ...DEFAULT_NODES]);
  }, 300_000);

  it("with --auth on RabbitMQ: every process logs in as its own user, a query completes at every site, and the users go on exit", async () => {
    const { cluster, api, testRun } = await startCluster("cluster-auth", { auth: true });
    const { pool, prefix } = testRun;
    const users = [hubBrokerUser(prefix), ...DEFAULT_NODES.map((n) => nodeBrokerUser(prefix, n))].sort();
    expect(await rabbitUsers(prefix, "list_connections")).toEqual(users);
    await queryCompletesEverywhere(api);

    cluster.signal("SIGINT");
    expect(await cluster.exited).toEqual({ code: 0, signal: null });
    const out = pool.output("cluster-auth");
    expect(out).toMatch(/broker auth on \(amqp\)/);
    expect(out).not.toMatch(/dead-letter/i);
    expectCleanStop(out, ["broker-users", "hub", "haproxy", ...DEFAULT_NODES]);
    expect(out).toMatch(/^cluster +\| broker users deleted$/m);
    expect(await rabbitUsers(prefix, "list_users")).toEqual([]);
  }, 300_000);
});
