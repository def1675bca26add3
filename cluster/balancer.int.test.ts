import { expect, it } from "vitest";
import { DEFAULT_NODES } from "../shared/config.ts";
import { pollUntil } from "../shared/testing/net.ts";
import { describeWith } from "../shared/testing/services.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import { HubApi } from "./testing/hubApi.ts";
import { runsPerTest } from "./testing/run.ts";

/** What one GET through the balancer got: refused, an error status, or an answer. */
async function lookThrough(url: string): Promise<"answered" | string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    return response.ok ? "answered" : `status ${response.status}`;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * `npm run cluster -- --hubs 3`: three hub replicas behind HAProxy. One replica is killed with
 * SIGKILL while a query runs; the API through the balancer keeps answering every request, and the
 * query completes at every site.
 */
function balancerSuite(transport: "amqp" | "nats"): void {
  const newRun = runsPerTest({ transport, nodeIds: DEFAULT_NODES });

  it("keeps the API answering through the balancer while a replica is killed, and the query completes", async () => {
    const run = newRun(`lb-${transport}`);
    const { pool, label } = run;
    const { port } = await run.startCluster({ hubs: 3 });
    await pool.waitForLine(label, /^cluster +\| ready through the balancer: .*\(HAProxy over hub-1, hub-2, hub-3\)$/, 240_000);
    for (const node of DEFAULT_NODES) await pool.waitForLine(label, new RegExp(`^${node} +\\| .*node agent ready`), 120_000);
    const pid = Number(/started as process (\d+)/.exec(await pool.waitForLine(label, /^hub-2 +\| started as process \d+$/))?.[1]);

    const balancer = new HubApi(`http://127.0.0.1:${port}`);
    const id = await balancer.submit();
    // Every site has its run-query before the replica goes, so the query runs on without it.
    await balancer.waitFor(
      id,
      "sent to every site",
      (v) => v.nodes.length === DEFAULT_NODES.length && v.nodes.every((n) => n.stage >= 200),
    );
    process.kill(pid, "SIGKILL");

    // Until the query is done, a researcher's reads go on through the balancer; every one must be answered.
    const looks: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const path of ["/readyz", `/api/queries/${id}`, "/api/queries", "/"])
          looks.push(await lookThrough(`${balancer.baseUrl}${path}`));
        await systemClock.sleep(100);
      }
    })();
    const done = await balancer
      .waitFor(id, "final at every site", (v) => v.status === "done", { timeoutMs: 180_000 })
      .finally(() => {
        watching = false;
      });
    await watcher;
    expect(looks.length).toBeGreaterThan(4);
    expect(looks.filter((l) => l !== "answered")).toEqual([]);
    expect(done.nodes.map((n) => n.nodeId).sort()).toEqual(DEFAULT_NODES);
    expect(done.nodes.every((n) => n.final)).toBe(true);
    expect(pool.output(label)).toMatch(/^hub-2 +\| killed by SIGKILL$/m);
    await pollUntil("HAProxy to mark hub-2 down", 30_000, () => /^haproxy +\| .*hubs\/hub-2 is DOWN/m.test(pool.output(label)));
  }, 480_000);
}

await describeWith(["amqp", "postgres"], "npm run cluster -- --hubs 3 behind HAProxy on RabbitMQ", () => balancerSuite("amqp"));
await describeWith(["nats", "postgres"], "npm run cluster -- --hubs 3 behind HAProxy on NATS JetStream", () => balancerSuite("nats"));
