import { mkdirSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithChromium, launchChromium } from "../../shared/testing/browser.ts";
import { ladder } from "../../shared/testing/scriptedNode.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { type ScriptedSites, startScriptedSites } from "../testing/scriptedSites.ts";

const SHOTS = new URL("../../reports/", import.meta.url);
const SITES = ["hospital-a", "hospital-b", "hospital-c"];

describeWithChromium("the page of one query, in Chromium", () => {
  let browser: Browser | undefined;
  let network: ScriptedSites | undefined;
  let base: string;
  let queryId: string;
  beforeAll(async () => {
    network = await startScriptedSites({
      clock: systemClock,
      seed: 2027,
      nodeIds: SITES,
      script: (nodeId) =>
        nodeId === "hospital-c" ? ladder({ failure: '=HYPERLINK("x")', stepMs: 300 }) : ladder({ count: 120, stepMs: 150 }),
      heartbeatMs: 500,
      // Copies of the sites' messages, so that the timelines have duplicates to show.
      faults: { all: { duplicate: { probability: 0.6, maxLagMs: 100 } } },
    });
    base = await network.hub.api.listen({ host: "127.0.0.1", port: 0 });
    queryId = await network.hub.desk.submit({ definition: { panels: [{ concepts: ["dx:E11.9"] }] }, researcherId: "dr-query-page" });
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await network?.stop();
  });

  for (const width of [1280, 390]) {
    it(`shows each site's row and its timeline from the history, live, without overflow at ${width} px`, async () => {
      const page = await (browser as Browser).newPage({ viewport: { width, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${base}/queries/${queryId}`);
      await page.locator("#stream-state[data-state=live]").waitFor();
      const card = page.locator(`article.query[data-query-id="${queryId}"]`);
      for (const site of SITES) await card.locator(`tr[data-node-id="${site}"][data-final="true"]`).waitFor({ timeout: 30_000 });
      // The timelines follow the history: every state each site had stored and every copy absorbed, on a time track.
      // Copies lag their originals, so the history is read until the page and it agree, or a while has passed.
      type History = { states: { nodeId: string | null }[]; duplicates: { nodeId: string | null }[] };
      const expected = (h: History, site: string) =>
        h.states.filter((s) => s.nodeId === site).length + h.duplicates.filter((d) => d.nodeId === site).length;
      const shown = (site: string) => page.locator(`.site-timeline[data-node-id="${site}"] li.event`).count();
      let history: History = { states: [], duplicates: [] };
      for (let i = 0; i < 40; i++) {
        history = (await (await fetch(`${base}/api/queries/${queryId}/history`)).json()) as History;
        const counts = await Promise.all(SITES.map(async (site) => (await shown(site)) === expected(history, site)));
        if (counts.every(Boolean)) break;
        await page.waitForTimeout(250);
      }
      expect(history.duplicates.length).toBeGreaterThan(0);
      for (const site of SITES) {
        const copies = history.duplicates.filter((d) => d.nodeId === site).length;
        const timeline = page.locator(`.site-timeline[data-node-id="${site}"]`);
        expect(await timeline.locator("li.event").count()).toBe(expected(history, site));
        expect(await timeline.locator("li.event.duplicate").count()).toBe(copies);
        expect(await timeline.locator(".track .mark").count()).toBe(expected(history, site));
        expect(await timeline.locator(".axis").count()).toBe(1);
      }
      expect(await page.locator('.site-timeline[data-node-id="query"] li.event').count()).toBeGreaterThanOrEqual(2);
      expect(await page.locator('.site-timeline[data-node-id="hospital-a"] li.event').last().textContent()).toContain("completed");
      expect(await page.locator("#csv-link").getAttribute("href")).toBe(`/api/queries/${queryId}/rows.csv`);
      const overflow = await page.locator("html").evaluate((html) => html.scrollWidth - html.clientWidth);
      const wide = await page
        .locator("body *")
        .evaluateAll(
          (els, w) => els.filter((e) => e.getBoundingClientRect().right > w + 0.5).map((e) => `${e.tagName}.${e.className}`),
          width,
        );
      expect({ overflow, wide }).toEqual({ overflow: 0, wide: [] });
      expect(errors).toEqual([]);
      await page.screenshot({ path: new URL(`query-page-${width}.png`, SHOTS).pathname, fullPage: true });
      await page.close();
    }, 60_000);
  }

  it("serves the rows as CSV, a spreadsheet formula defused, and a favicon", async () => {
    const csv = await fetch(`${base}/api/queries/${queryId}/rows.csv`);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("queryId,nodeId,status,statusText,count,countDisplay,progress,itemVersion,updatedAt,statusMessage");
    expect(lines.slice(1).map((l) => l.split(",")[1])).toEqual(SITES);
    expect(lines.find((l) => l.includes("hospital-a"))).toMatch(/,completed,.*,120,/);
    expect(lines.find((l) => l.includes("hospital-c"))).toContain(`"'=HYPERLINK(""x"")"`);
    const icon = await fetch(`${base}/favicon.ico`);
    expect(icon.headers.get("content-type")).toBe("image/svg+xml");
  });

  it("filters the list by status and researcher", async () => {
    const page = await (browser as Browser).newPage({ viewport: { width: 390, height: 900 } });
    await page.goto(base);
    await page.locator(`article.query[data-query-id="${queryId}"]`).waitFor();
    await page.fill("#filter-researcher", "someone-else");
    await page.locator("#filter-researcher").press("Enter");
    await page.locator("#no-queries:not([hidden])").waitFor();
    await page.fill("#filter-researcher", "dr-query-page");
    await page.locator("#filter-researcher").press("Enter");
    await page.locator(`article.query[data-query-id="${queryId}"]`).waitFor();
    await page.selectOption("#filter-status", "created");
    await page.locator("#no-queries:not([hidden])").waitFor();
    await page.selectOption("#filter-status", "done");
    const link = page.locator(`article.query[data-query-id="${queryId}"] a.query-link`);
    await link.click();
    await page.waitForURL(`**/queries/${queryId}`);
    await page.locator(".site-timeline").first().waitFor();
    await page.close();
  });
});
