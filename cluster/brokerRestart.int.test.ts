import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, expect, it } from "vitest";
import { type PrivateNatsServer, startNatsServer } from "../shared/testing/natsServer.ts";
import { describeWith, uniquePrefix } from "../shared/testing/services.ts";
import { RegressionWatch } from "./testing/hubApi.ts";
import { TestNetwork } from "./testing/network.ts";
import { ProcessPool } from "./testing/processes.ts";

const run = promisify(execFile);
const SITES = ["hospital-a", "hospital-b"];
/** The fast profile three times over: a query takes a few seconds, so some are in flight when the broker goes. */
const NODE_ENV = { QNET_NODE_TIME_SCALE: "3" };

/** Submits queries, restarts the broker while they run, submits one more, and waits for all of them everywhere. */
async function survivesRestart(network: TestNetwork, restart: () => Promise<void>, reconnected: RegExp): Promise<void> {
  const api = await network.startHub();
  for (const site of SITES) await network.startNode(site, NODE_ENV);
  const before = [await api.submit(), await api.submit(), await api.submit()];
  await api.waitFor(before[0]!, "a site working on it", (v) => v.nodes.some((n) => n.stage >= 300));

  await restart();

  const after = await api.submit();
  const watch = new RegressionWatch();
  for (const id of [...before, after]) {
    const view = await api.waitCompleted(id, { timeoutMs: 180_000, onView: watch.observe });
    expect(view.summary.completed).toBe(SITES.length);
  }
  expect(watch.regressions).toEqual([]);
  expect(network.hub!.running).toBe(true);
  for (const name of ["hub", ...SITES]) expect(network.pool.output(name), `${name} lost the broker and came back`).toMatch(reconnected);
}

await describeWith(["amqp"], "restarting the SHARED RabbitMQ (rabbitmqctl stop_app/start_app) under the processes", () => {
  const pool = new ProcessPool();
  let network: TestNetwork | undefined;

  afterEach(async () => {
    await pool.killAll();
    await network?.cleanUp();
  });

  it("the hub and the node-agents reconnect and every query completes", async () => {
    network = new TestNetwork(pool, { transport: "amqp", prefix: uniquePrefix("brk-amqp"), nodeIds: SITES });
    await survivesRestart(
      network,
      async () => {
        // Other runs share this broker: the outage lasts only as long as stop_app and start_app take.
        try {
          await run("rabbitmqctl", ["stop_app"]);
        } finally {
          await run("rabbitmqctl", ["start_app"]);
        }
      },
      /amqp disconnected; reconnecting[\s\S]*amqp connected/,
    );
  }, 300_000);
});

await describeWith(["nats"], "stopping and starting a private nats-server under the processes", () => {
  const pool = new ProcessPool();
  let server: PrivateNatsServer | undefined;

  afterEach(async () => {
    await pool.killAll();
    await server?.stop("SIGKILL");
  });

  it("the hub and the node-agents reconnect and every query completes", async () => {
    server = await startNatsServer();
    const network = new TestNetwork(pool, {
      transport: "nats",
      prefix: uniquePrefix("brk-nats"),
      nodeIds: SITES,
      brokerEnv: { NATS_URL: server.url },
    });
    await survivesRestart(
      network,
      async () => {
        await server!.halt();
        await server!.start();
      },
      /nats disconnected; reconnecting[\s\S]*nats reconnected/,
    );
  }, 300_000);
});
