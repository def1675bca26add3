import { mkdirSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ResultState } from "../../shared/protocol/items.ts";
import { describeWithChromium, launchChromium } from "../../shared/testing/browser.ts";
import { findScenario } from "../library/index.ts";
import { type RunResult, runScenario } from "../run/runner.ts";
import { htmlReport } from "./html.ts";
import { jsonReport } from "./json.ts";

const SHOTS = new URL("../../reports/", import.meta.url);

describeWithChromium("the HTML report of a failing run, in Chromium", () => {
  let browser: Browser | undefined;
  let result: RunResult;
  let url: string;
  beforeAll(async () => {
    // The naive policy is caught on duplicate-reorder: a counterexample about one decision.
    result = await runScenario(findScenario("duplicate-reorder") as NonNullable<ReturnType<typeof findScenario>>, {
      seed: 5,
      policy: "naive",
    });
    const dir = await mkdtemp(join(tmpdir(), "qnet-report-"));
    await writeFile(join(dir, "report.html"), htmlReport(result));
    url = pathToFileURL(join(dir, "report.html")).href;
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("names the counterexample's decision in the JSON, with the replay command and the faults' counts on the memory broker", () => {
    const json = jsonReport(result);
    expect(json.ok).toBe(false);
    expect(json.counterexampleDecision).toBeGreaterThan(0);
    expect(json.verdict.counterexample?.message).toContain(`decision #${json.counterexampleDecision} `);
    expect(json.replay).toBe("npm run scenario -- duplicate-reorder --seed 5 --transport memory --store memory --policy naive");
    expect(Object.keys(json.summary.faultActions)).toContain("hospital-a: result duplicated in transit");
  });

  for (const width of [1280, 390]) {
    it(`draws every decision, rings the counterexample's, has a time axis and no horizontal overflow at ${width} px`, async () => {
      const page = await (browser as Browser).newPage({ viewport: { width, height: 900 } });
      await page.goto(url);
      const n = result.verdict.counterexample?.decision as number;
      // Linked from the top, drawn in the timeline and highlighted in the message sequence.
      expect(await page.locator(`.ce a[href="#decision-${n}"]`).count()).toBe(1);
      expect(await page.locator(`.timeline #decision-${n}.counterexample`).count()).toBe(1);
      expect(await page.locator(`.sequence #seq-decision-${n}.counterexample`).count()).toBe(1);
      expect(await page.locator(".timeline .time-axis text").count()).toBeGreaterThan(3);
      expect(await page.locator(".timeline .decision").count()).toBe(result.history.applied.length);
      // Duplicates and other outcomes are coloured apart.
      const outcomes = await page
        .locator(".timeline .decision")
        .evaluateAll((gs) => new Set(gs.map((g) => g.getAttribute("data-outcome"))).size);
      expect(outcomes).toBeGreaterThanOrEqual(1);
      // The sequence draws every decision on its query, duplicates included.
      const decided = result.history.applied.find((a) => a.n === n);
      const queryId = (decided?.proposed as ResultState | undefined)?.queryId;
      expect(queryId).toBeDefined();
      const onQuery = result.history.applied.filter((a) =>
        a.kind === "result" ? (a.proposed as ResultState).queryId === queryId : a.id === queryId,
      );
      expect(await page.locator(".sequence .message[data-decision]:not([data-decision=''])").count()).toBe(onQuery.length);
      expect(await page.locator(".replay").textContent()).toContain("--seed 5");
      const overflow = await page.locator("html").evaluate((html) => html.scrollWidth - html.clientWidth);
      expect(overflow).toBe(0);
      await page.locator(`#decision-${n}`).scrollIntoViewIfNeeded();
      await page.screenshot({ path: new URL(`report-${width}.png`, SHOTS).pathname, fullPage: true });
      await page.close();
    });
  }

  it("draws duplicates in their own colour on a run that absorbs them", async () => {
    const passing = await runScenario(findScenario("duplicate-reorder") as NonNullable<ReturnType<typeof findScenario>>, {});
    const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 900 } });
    await page.setContent(htmlReport(passing));
    const duplicates = passing.history.applied.filter((a) => a.outcome === "duplicate").length;
    expect(duplicates).toBeGreaterThan(0);
    expect(await page.locator('.timeline .decision[data-outcome="duplicate"] circle').first().getAttribute("fill")).toBe("#7d848b");
    expect(await page.locator('.timeline .decision[data-outcome="duplicate"]').count()).toBe(duplicates);
    expect(await page.locator(".timeline .decision").count()).toBe(passing.history.applied.length);
    await page.close();
  });
});
