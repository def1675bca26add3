import { afterEach, expect, it } from "vitest";
import { describeWith, uniquePrefix } from "../shared/testing/services.ts";
import { RegressionWatch } from "./testing/hubApi.ts";
import { TestNetwork } from "./testing/network.ts";
import { ProcessPool } from "./testing/processes.ts";

const SITES = ["hospital-a", "hospital-b", "hospital-c"];

for (const transport of ["amqp", "nats"] as const) {
  await describeWith([transport], `hub and three node-agents as OS processes over ${transport}`, () => {
    const pool = new ProcessPool();
    let network: TestNetwork | undefined;

    afterEach(async () => {
      await pool.killAll();
      await network?.cleanUp();
    });

    it("completes a query submitted through the API at every site, then every process stops cleanly on SIGTERM", async () => {
      network = new TestNetwork(pool, { transport, prefix: uniquePrefix(`net-${transport}`), nodeIds: SITES });
      const api = await network.startHub();
      const nodes = await Promise.all(SITES.map((id) => network!.startNode(id)));

      const id = await api.submit();
      const watch = new RegressionWatch();
      const view = await api.waitCompleted(id, { onView: watch.observe });

      expect(view.nodes.map((n) => n.nodeId).sort()).toEqual(SITES);
      for (const site of view.nodes) expect(site.count).toEqual(expect.any(Number));
      expect(view.summary.completed).toBe(3);
      expect(watch.regressions).toEqual([]);

      const exits = await Promise.all([network.hub!, ...nodes].map((p) => p.stop()));
      expect(exits).toEqual(exits.map(() => ({ code: 0, signal: null })));
      expect(pool.output("hub")).toMatch(/SIGTERM received, stopping/);
      for (const site of SITES) expect(pool.output(site)).toMatch(/node agent stopped/);
    });
  });
}
