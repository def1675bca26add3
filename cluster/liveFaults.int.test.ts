import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Browser } from "playwright-core";
import { afterEach, expect, it } from "vitest";
import { DEFAULT_NODES, loadConfig } from "../shared/config.ts";
import { CHROMIUM, launchChromium } from "../shared/testing/browser.ts";
import { freePort, pollUntil } from "../shared/testing/net.ts";
import { describeWith, SERVICES, uniquePrefix } from "../shared/testing/services.ts";
import { brokerEntry } from "../shared/transport/mod.ts";
import { networkCredentials } from "../trust/credentials.ts";
import { deleteRabbitUsers } from "../trust/rabbitmq.ts";
import { HubApi } from "./testing/hubApi.ts";
import { ProcessPool } from "./testing/processes.ts";

const SITE = "hospital-c";

interface Window {
  id: string;
  nodeId: string;
  ended: string | null;
}

async function send(url: string, method: string, body?: unknown): Promise<Window> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Window;
}

const windows = async (base: string) => ((await (await fetch(`${base}/api/faults`)).json()) as { items: Window[] }).items;

/**
 * `npm run cluster` with broker auth, on RabbitMQ and on NATS: a live fault added through the API
 * reaches the site's process through its control destination, under its own broker user; it shows
 * in the site's rows and in the page's Faults panel, and is gone once removed or expired.
 */
for (const transport of ["amqp", "nats"] as const) {
  await describeWith([transport, "postgres"], `live faults on npm run cluster --auth (${transport})`, () => {
    const pool = new ProcessPool();
    let prefix = "";
    let stateDir: string | undefined;
    let browser: Browser | undefined;
    const schema = () => prefix.replace(/-/g, "_");

    afterEach(async () => {
      await browser?.close();
      await pool.killAll();
      const config = { ...loadConfig({}), AMQP_URL: SERVICES.amqp.url, NATS_URL: SERVICES.nats.url };
      await brokerEntry(transport)
        .deletePrefix(config, prefix, DEFAULT_NODES)
        .catch(() => undefined);
      if (transport === "amqp")
        await deleteRabbitUsers(networkCredentials({ prefix, nodeIds: DEFAULT_NODES, secret: "names-only-0123456789" }));
      const db = new pg.Client({ connectionString: SERVICES.postgres.url });
      await db.connect();
      await db.query(`DROP SCHEMA IF EXISTS ${schema()} CASCADE`);
      await db.end();
      if (stateDir) await rm(stateDir, { recursive: true, force: true });
    }, 120_000);

    it("crashes a site until the fault is removed, shows it on the page, and lets a short fault expire", async () => {
      const label = `faults-${transport}`;
      prefix = uniquePrefix(label);
      stateDir = await mkdtemp(join(tmpdir(), "qnet-faults-"));
      const port = await freePort();
      const env = {
        QNET_TRANSPORT: transport,
        QNET_PREFIX: prefix,
        QNET_DB_SCHEMA: schema(),
        QNET_HTTP_PORT: String(port),
        QNET_NODE_TIME_SCALE: "0.05",
      };
      pool.start(label, "cluster/main.ts", env, ["--state-dir", stateDir, "--auth"]);
      const base = `http://127.0.0.1:${port}`;
      const api = new HubApi(base);
      await api.waitReady(240_000);
      for (const node of DEFAULT_NODES) await pool.waitForLine(label, new RegExp(`^${node} +\\| .*node agent ready`));

      const crash = await send(`${base}/api/faults`, "POST", { kind: "nodeCrash", nodeId: SITE, for: 600_000 });
      await pool.waitForLine(label, new RegExp(`^${SITE} +\\| .*live fault applied`));
      const id = await api.submit();
      const others = DEFAULT_NODES.filter((n) => n !== SITE);
      const held = await api.waitFor(id, "final everywhere but the crashed site", (v) =>
        v.nodes.every((n) => (n.nodeId === SITE ? !n.final : n.final)),
      );
      expect(held.nodes.filter((n) => n.final).map((n) => n.nodeId)).toEqual(others);
      // Started again once the fault is lifted, the site answers; hospital-e, the flaky one, may fail its own way.
      const answered = () =>
        api.waitFor(
          id,
          "final everywhere, the crashed site completed",
          (v) => v.nodes.every((n) => n.final && (n.nodeId !== SITE || n.status === "completed")),
          { timeoutMs: 180_000 },
        );

      if (existsSync(CHROMIUM)) {
        browser = await launchChromium();
        const page = await browser.newPage();
        await page.goto(`${base}/`);
        await page.locator(`#fault-list li.in-force[data-fault-node="${SITE}"]`).waitFor({ timeout: 30_000 });
        await page.locator(`tr[data-node-id="${SITE}"][data-fault]`).first().waitFor({ timeout: 30_000 });
        expect(await page.locator(`tr[data-node-id="${SITE}"] .fault-mark`).first().textContent()).toContain("crash");
        expect(await page.locator("tr[data-fault]").count()).toBe(await page.locator(`tr[data-node-id="${SITE}"]`).count());

        await page.locator(`#fault-list li[data-fault-id="${crash.id}"] button`).click();
        await answered();
        await page.locator(`#fault-list li.ended[data-fault-id="${crash.id}"]`).waitFor({ timeout: 30_000 });
        await pollUntil("the site's rows to lose their mark", 30_000, async () => (await page.locator("tr[data-fault]").count()) === 0);
      } else {
        await send(`${base}/api/faults/${crash.id}`, "DELETE");
        await answered();
      }
      expect((await windows(base)).find((w) => w.id === crash.id)?.ended).toBe("removed");
      await pool.waitForLine(label, new RegExp(`^${SITE} +\\| .*live fault lifted`));

      const short = await send(`${base}/api/faults`, "POST", { kind: "latency", nodeId: "hospital-a", for: 2_000, baseMs: 500 });
      await pollUntil(
        "the short fault to expire",
        30_000,
        async () => (await windows(base)).find((w) => w.id === short.id)?.ended === "expired",
      );
    }, 600_000);
  });
}
