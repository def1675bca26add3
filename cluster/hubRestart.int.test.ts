import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { describeWith, uniquePrefix } from "../shared/testing/services.ts";
import { RegressionWatch } from "./testing/hubApi.ts";
import { TestNetwork } from "./testing/network.ts";
import { ProcessPool } from "./testing/processes.ts";

const SITES = ["hospital-a", "hospital-b"];

await describeWith(["amqp"], "the hub stopped by SIGTERM mid-run over amqp", () => {
  const pool = new ProcessPool();
  let network: TestNetwork | undefined;
  let dataDir: string | undefined;

  afterEach(async () => {
    await pool.killAll();
    await network?.cleanUp();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("exits 0 with what it applied stored; started again on its store, it finishes every query and the view never regresses", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "qnet-hub-"));
    const store = { QNET_STORE: `pglite:${dataDir}` };
    network = new TestNetwork(pool, { transport: "amqp", prefix: uniquePrefix("hubrst"), nodeIds: SITES });
    const api = await network.startHub(store);
    for (const site of SITES) await network.startNode(site, { QNET_NODE_TIME_SCALE: "3" });

    const ids = [await api.submit(), await api.submit()];
    const watch = new RegressionWatch();
    await api.waitFor(ids[0]!, "a site working on it", (v) => v.nodes.some((n) => n.stage >= 300 && !n.final), { onView: watch.observe });

    expect(await network.hub!.stop()).toEqual({ code: 0, signal: null });
    expect(pool.output("hub")).toMatch(/SIGTERM received, stopping/);

    // The nodes keep answering meanwhile; the broker holds their updates for the next hub.
    await network.startHub(store);
    for (const id of ids) {
      const view = await api.waitCompleted(id, { onView: watch.observe });
      expect(view.summary.completed).toBe(SITES.length);
    }
    expect(watch.regressions).toEqual([]);
  }, 300_000);
});
