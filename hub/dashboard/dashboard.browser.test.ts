import { mkdirSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, expect, it } from "vitest";
import { describeWithChromium, launchChromium } from "../../shared/testing/browser.ts";
import { ladder } from "../../shared/testing/scriptedNode.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { type ScriptedSites, startScriptedSites } from "../testing/scriptedSites.ts";

const SCREENSHOT = new URL("../../reports/dashboard.png", import.meta.url);

/** Three sites that answer at their own pace, and one whose database always fails, to show the error text. */
const SITES = [
  { nodeId: "hospital-a", script: ladder({ count: 1240, stepMs: 150 }) },
  { nodeId: "hospital-b", script: ladder({ count: 385, stepMs: 400 }) },
  { nodeId: "hospital-c", script: ladder({ count: -1, stepMs: 700 }) },
  { nodeId: "hospital-d", script: ladder({ failure: "CRC database connection lost", stepMs: 250 }) },
];

function suite(): void {
  let browser: Browser | undefined;
  let network: ScriptedSites | undefined;
  afterAll(async () => {
    await browser?.close();
    await network?.stop();
  });

  it("submits a query through the page and shows every site reach its final state live", async () => {
    network = await startScriptedSites({
      clock: systemClock,
      seed: 2026,
      nodeIds: SITES.map((s) => s.nodeId),
      // Sites answer within a second or two of real time.
      script: (nodeId) => SITES.find((s) => s.nodeId === nodeId)?.script ?? [],
      heartbeatMs: 500,
    });
    const base = await network.hub.api.listen({ host: "127.0.0.1", port: 0 });
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    await page.goto(base);
    await page.locator("#stream-state[data-state=live]").waitFor();
    await page
      .locator("#nodes li.node.alive")
      .nth(SITES.length - 1)
      .waitFor();

    // Two panels: (type 2 OR type 1 diabetes) AND NOT metformin, women 40 to 75.
    await page.locator(".panel .concepts").first().fill("dx:E11.9, dx:E10.9");
    await page.click("#add-panel");
    await page.locator(".panel .concepts").nth(1).fill("rx:metformin");
    await page.locator(".panel .not").nth(1).check();
    await page.fill("#age-min", "40");
    await page.fill("#age-max", "75");
    await page.selectOption("#sex", "F");
    await page.click("#submit-query");
    await page.locator("#form-message[data-kind=ok]").waitFor();

    // Live, without a reload: the card appears and each site's row reaches its final state.
    const card = page.locator("article.query").first();
    await card.waitFor();
    for (const site of SITES) await card.locator(`tr[data-node-id="${site.nodeId}"][data-final="true"]`).waitFor({ timeout: 45_000 });
    await card.locator('.badge.done, [data-status="done"]').first().waitFor();
    await card.locator(".totals-note", { hasText: "3 of 4 sites answered" }).waitFor();

    const queryId = (await card.getAttribute("data-query-id")) as string;
    const truth = network.hub.view.get(queryId);
    expect(truth?.status).toBe("done");
    expect(await card.locator(".definition").textContent()).toBe("(dx:E11.9 OR dx:E10.9) AND NOT rx:metformin · age 40–75 · female");
    for (const row of truth?.nodes ?? []) {
      const tr = card.locator(`tr[data-node-id="${row.nodeId}"]`);
      expect(await tr.getAttribute("data-status")).toBe(row.status);
      if (row.status === "completed") expect(await tr.locator(".count").textContent()).toBe(row.countDisplay);
      expect(await tr.locator(".status-text").textContent()).toBe(row.statusText);
    }
    expect(await card.locator('tr[data-node-id="hospital-d"] .status-text').textContent()).toBe(
      "Site error (CRC database connection lost)",
    );
    expect(await card.locator(".total-count").textContent()).toBe(truth?.summary.totalDisplay);
    expect(pageErrors).toEqual([]);

    mkdirSync(new URL(".", SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });

    // A concept outside the shared vocabulary is stored, and the page says so.
    await page.locator(".panel .concepts").first().fill("dx:E11.9, dx:NOPE.1");
    await page.click("#submit-query");
    const warning = page.locator("#form-message[data-kind=warn]");
    await warning.waitFor();
    expect(await warning.textContent()).toContain("dx:NOPE.1 is not in the network's shared vocabulary");
    expect(pageErrors).toEqual([]);
  }, 120_000);
}

describeWithChromium("the dashboard in a browser", suite);
