import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterEach, expect, it } from "vitest";
import { DEFAULT_NODES } from "../shared/config.ts";
import { CHROMIUM, launchChromium } from "../shared/testing/browser.ts";
import { pollUntil } from "../shared/testing/net.ts";
import { describeWith } from "../shared/testing/services.ts";
import { HubApi } from "./testing/hubApi.ts";
import { runsPerTest } from "./testing/run.ts";

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
    const newRun = runsPerTest({ transport, nodeIds: DEFAULT_NODES }, 120_000);
    let browser: Browser | undefined;
    // Registered after the run's clean-up, so it runs before it.
    afterEach(() => browser?.close());

    it("crashes a site until the fault is removed, shows it on the page, and lets a short fault expire", async () => {
      const run = newRun(`faults-${transport}`);
      const { pool, label } = run;
      const { port } = await run.startCluster({ auth: true });
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
