import type { Browser } from "playwright-core";
import { afterAll, expect, it } from "vitest";
import { describeWithChromium, launchChromium } from "../../shared/testing/browser.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { type ScriptedSites, startScriptedSites } from "../testing/scriptedSites.ts";

function suite(): void {
  let browser: Browser | undefined;
  let network: ScriptedSites | undefined;
  afterAll(async () => {
    await browser?.close();
    await network?.stop();
  });

  it("shows every operation of the document, with nothing fetched from another host", async () => {
    network = await startScriptedSites({ clock: systemClock, seed: 2027, nodeIds: ["hospital-a"] });
    const base = await network.hub.api.listen({ host: "127.0.0.1", port: 0 });
    browser = await launchChromium();
    const page = await browser.newPage();
    const elsewhere: string[] = [];
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    // The machine may be offline: a request to any other host is refused and remembered.
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(`${base}/`) || url.startsWith("data:")) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    await page.goto(`${base}/docs`);
    await page.locator(".opblock").first().waitFor();

    const operations = await page.locator(".opblock-summary-path").allTextContents();
    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const expected = Object.values(doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    expect(operations).toHaveLength(expected);
    expect(operations.map((p) => p.replace(/\u200b/g, ""))).toEqual(expect.arrayContaining(["/api/queries/{id}/history", "/api/events"]));
    expect(await page.locator(".title").first().textContent()).toContain("qnet hub API");
    expect(elsewhere).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 60_000);
}

describeWithChromium("Swagger UI in a browser", suite);
