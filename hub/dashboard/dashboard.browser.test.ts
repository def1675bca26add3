import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, expect, it } from "vitest";
import type { Breakdowns } from "../../shared/protocol/breakdowns.ts";
import type { RunQuery } from "../../shared/protocol/messages.ts";
import { describeWithChromium, launchChromium } from "../../shared/testing/browser.ts";
import { ladder } from "../../shared/testing/scriptedNode.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { type ScriptedSites, startScriptedSites } from "../testing/scriptedSites.ts";

const SCREENSHOT = new URL("../../reports/dashboard.png", import.meta.url);

/** What the breakdown cells of a site's answer are: each kind the query asked for, from the site's full set. */
const CELLS: Record<string, Required<Breakdowns>> = {
  "hospital-a": {
    sex: { female: 640, male: 600 },
    age: { "0-9": -1, "10-17": 15, "18-34": 90, "35-44": 120, "45-54": 250, "55-64": 300, "65-74": 260, "75-84": 140, "85+": 60 },
    race: { americanIndian: 15, asian: 70, black: 160, pacificIslander: -1, white: 800, multiple: 40, other: 60, unknown: 95 },
    vitalStatus: { living: 1100, deceased: 120, notRecorded: 20 },
  },
  "hospital-c": {
    sex: { female: -1, male: -1 },
    age: { "0-9": -1, "10-17": -1, "18-34": -1, "35-44": -1, "45-54": -1, "55-64": -1, "65-74": -1, "75-84": -1, "85+": -1 },
    race: { americanIndian: -1, asian: -1, black: -1, pacificIslander: -1, white: -1, multiple: -1, other: -1, unknown: -1 },
    vitalStatus: { living: -1, deceased: -1, notRecorded: -1 },
  },
};

/** The kinds a query asked for, cut out of a site's full set; hospital-b answers the count alone, as a node that predates breakdowns. */
function breakdownsFor(nodeId: string, run: RunQuery): Breakdowns | undefined {
  const cells = CELLS[nodeId];
  const asked = run.query.definition.breakdowns ?? [];
  if (!cells || asked.length === 0) return undefined;
  return Object.fromEntries(asked.map((kind) => [kind, cells[kind]])) as Breakdowns;
}

/** Three sites that answer at their own pace, and one whose database always fails, to show the error text. */
const SITES = [
  { nodeId: "hospital-a", count: 1240, stepMs: 150 },
  { nodeId: "hospital-b", count: 385, stepMs: 400 },
  { nodeId: "hospital-c", count: -1, stepMs: 700 },
  { nodeId: "hospital-d", failure: "CRC database connection lost", stepMs: 250 },
];

function suite(): void {
  let browser: Browser | undefined;
  let network: ScriptedSites | undefined;
  let page: Page;
  const pageErrors: string[] = [];
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
      script: (nodeId, run) => {
        const site = SITES.find((s) => s.nodeId === nodeId);
        return site ? ladder({ ...site, breakdowns: breakdownsFor(nodeId, run) }) : [];
      },
      heartbeatMs: 500,
    });
    const base = await network.hub.api.listen({ host: "127.0.0.1", port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
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
    expect(await card.locator(".breakdowns").count()).toBe(0);
    expect(pageErrors).toEqual([]);

    // A concept outside the shared vocabulary is stored, and the page says so.
    await page.locator(".panel .concepts").first().fill("dx:E11.9, dx:NOPE.1");
    await page.click("#submit-query");
    const warning = page.locator("#form-message[data-kind=warn]");
    await warning.waitFor();
    expect(await warning.textContent()).toContain("dx:NOPE.1 is not in the network's shared vocabulary");
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it("asks for breakdowns through the page and shows each site's table and the network's chart, live", async () => {
    if (!network) throw new Error("the first test starts the network");
    await page.locator(".panel .concepts").first().fill("dx:E11.9");
    await page.locator(".panel .remove-panel").nth(1).click();
    await page.fill("#age-min", "");
    await page.fill("#age-max", "");
    await page.selectOption("#sex", "");
    await page.locator('input[name="breakdown"][value="age"]').check();
    await page.locator('input[name="breakdown"][value="vitalStatus"]').check();
    await page.click("#submit-query");
    await page.locator("#form-message[data-kind=ok]").waitFor();

    const card = page.locator("article.query", { hasText: "by age, vital status" }).first();
    await card.waitFor();
    expect(await card.locator(".definition").textContent()).toBe("dx:E11.9 · by age, vital status");
    // The first site's table appears while the others are still working: live, not after the fact.
    await card.locator('table.breakdown[data-node-id="hospital-a"]').waitFor({ timeout: 45_000 });
    for (const site of SITES) await card.locator(`tr[data-node-id="${site.nodeId}"][data-final="true"]`).waitFor({ timeout: 45_000 });
    await card.locator(".chart-value", { hasText: "at least 1100" }).waitFor({ timeout: 10_000 });

    const queryId = (await card.getAttribute("data-query-id")) as string;
    const truth = network.hub.view.get(queryId);
    expect(truth?.status).toBe("done");
    // One table per site that sent breakdowns, each cell as the hub words it.
    expect(await card.locator("table.breakdown").evaluateAll((ts) => ts.map((t) => t.getAttribute("data-node-id")))).toEqual([
      "hospital-a",
      "hospital-c",
    ]);
    for (const row of truth?.nodes ?? []) {
      for (const b of row.breakdowns ?? []) {
        const shown = await card
          .locator(`table.breakdown[data-node-id="${row.nodeId}"] tbody[data-kind="${b.kind}"] td.cell-count`)
          .allTextContents();
        expect(shown, `${row.nodeId} ${b.kind}`).toEqual(b.cells.map((c) => c.countDisplay));
      }
    }
    expect(await card.locator('table.breakdown[data-node-id="hospital-c"] td.cell-count').first().textContent()).toBe(
      "10 patients or fewer",
    );
    // The chart: a bar per cell of each breakdown asked for, valued as the hub sums it.
    const sums = truth?.summary.breakdowns ?? [];
    expect(sums.map((b) => b.kind)).toEqual(["age", "vitalStatus"]);
    for (const b of sums) {
      const values = await card.locator(`figure.chart[data-kind="${b.kind}"] .chart-value`).allTextContents();
      expect(values).toEqual(b.cells.map((c) => c.totalDisplay));
      expect(await card.locator(`figure.chart[data-kind="${b.kind}"] figcaption`).textContent()).toContain("2 sites, 1 without");
    }
    expect(sums[1]?.cells.map((c) => c.totalDisplay)).toEqual(["at least 1100", "at least 120", "at least 20"]);
    const widths = await card
      .locator('figure.chart[data-kind="vitalStatus"] .chart-fill')
      .evaluateAll((fills) => fills.map((f) => Number.parseFloat(/width:\s*([\d.]+)%/.exec(f.getAttribute("style") ?? "")?.[1] ?? "NaN")));
    expect(widths[0]).toBe(100);
    expect(widths[1]).toBeGreaterThan(5);
    expect(widths[1]).toBeLessThan(20);
    expect(pageErrors).toEqual([]);

    mkdirSync(new URL(".", SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });
  }, 120_000);
}

describeWithChromium("the dashboard in a browser", suite);
