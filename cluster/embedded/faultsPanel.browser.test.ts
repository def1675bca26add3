import type { Browser } from "playwright-core";
import { afterAll, expect, it } from "vitest";
import { describeWithChromium, launchChromium } from "../../shared/testing/browser.ts";
import { pollUntil } from "../../shared/testing/net.ts";
import { SeededRandom } from "../../shared/time/seededRandom.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { EmbeddedNetwork } from "./network.ts";

describeWithChromium("the dashboard's Faults panel", () => {
  let browser: Browser | undefined;
  let network: EmbeddedNetwork | undefined;
  afterAll(async () => {
    await browser?.close();
    await network?.stop();
  });

  it("adds a fault from the form, marks the site's rows while it is in force, and removes it", async () => {
    network = await EmbeddedNetwork.start({
      clock: systemClock,
      random: new SeededRandom(31),
      nodes: [
        { nodeId: "hospital-a", profile: "fast" },
        { nodeId: "hospital-b", profile: "fast" },
      ],
      populationSize: 1_000,
      heartbeatMs: 1_000,
      timeScale: 0.05,
      liveFaults: true,
      policy: "naive",
    });
    const url = await network.hub.api.listen({ host: "127.0.0.1", port: 0 });
    await network.hub.desk.submit({ definition: { panels: [{ concepts: ["dx:E11.9"] }] } });
    browser = await launchChromium();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${url}/`);
    // The hub announces a demonstration policy above everything else.
    expect(await page.locator("#policy-banner").textContent()).toContain("QNET_POLICY=naive");

    await page.locator("#fault-form").waitFor();
    await page.selectOption("#fault-kind", "partition");
    await page.selectOption("#fault-node", "hospital-b");
    await page.fill("#fault-seconds", "600");
    await page.click("#fault-add");
    await page.locator('#fault-list li.in-force[data-fault-node="hospital-b"]').waitFor({ timeout: 10_000 });
    await page.locator('tr[data-node-id="hospital-b"][data-fault]').first().waitFor({ timeout: 10_000 });
    expect(await page.locator('tr[data-node-id="hospital-b"] .fault-mark').first().textContent()).toBe("⚡ partition (both)");
    expect(await page.locator('tr[data-node-id="hospital-a"][data-fault]').count()).toBe(0);
    const [window] = network.hub.faults.list();
    expect(window).toMatchObject({ kind: "partition", nodeId: "hospital-b", ended: null });

    await page.locator('#fault-list li.in-force[data-fault-node="hospital-b"] button').click();
    await page.locator('#fault-list li.ended[data-fault-node="hospital-b"]').waitFor({ timeout: 10_000 });
    await pollUntil("the rows to lose their mark", 10_000, async () => (await page.locator("tr[data-fault]").count()) === 0);
    expect(network.hub.faults.list()[0]).toMatchObject({ ended: "removed" });
    expect(errors).toEqual([]);
  });
});
