import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { describeWith, uniquePrefix } from "../shared/testing/services.ts";
import { RegressionWatch, type SiteRow } from "./testing/hubApi.ts";
import { TestNetwork } from "./testing/network.ts";
import { ProcessPool } from "./testing/processes.ts";

const VICTIM = "hospital-a";
const OTHER = "hospital-b";
/** Slow enough that the victim is caught mid-query: the fast profile's second or so, four times over. */
const VICTIM_ENV = { QNET_NODE_TIME_SCALE: "4" };

/** How many results the node's latest start took up again from its ledger. */
function resumedAtLastStart(output: string): number {
  const starts = output.split("\n").filter((line) => line.includes('"node agent started"'));
  return (JSON.parse(starts.at(-1) ?? "{}") as { resumed?: number }).resumed ?? -1;
}

const cases = [
  { transport: "amqp", signal: "SIGKILL" },
  { transport: "nats", signal: "SIGKILL" },
  { transport: "amqp", signal: "SIGTERM" },
] as const satisfies readonly { transport: string; signal: NodeJS.Signals }[];

for (const { transport, signal } of cases) {
  await describeWith([transport], `a node-agent stopped by ${signal} mid-query over ${transport}`, () => {
    const pool = new ProcessPool();
    let network: TestNetwork | undefined;
    let stateDir: string | undefined;

    afterEach(async () => {
      await pool.killAll();
      await network?.cleanUp();
      if (stateDir) await rm(stateDir, { recursive: true, force: true });
    });

    it("takes the query up again from its ledger when started again: the site completes and the view never regresses", async () => {
      stateDir = await mkdtemp(join(tmpdir(), "qnet-ledger-"));
      network = new TestNetwork(pool, { transport, prefix: uniquePrefix(`rst-${transport}`), nodeIds: [VICTIM, OTHER] });
      const api = await network.startHub();
      const victimEnv = { ...VICTIM_ENV, QNET_NODE_STATE_DIR: stateDir };
      const victim = await network.startNode(VICTIM, victimEnv);
      await network.startNode(OTHER);

      const id = await api.submit();
      const watch = new RegressionWatch();
      const atSite = (rows: SiteRow[]) => rows.find((n) => n.nodeId === VICTIM)!;
      const caught = await api.waitFor(id, `${VICTIM} working on it`, (v) => atSite(v.nodes).stage >= 300 && !atSite(v.nodes).final, {
        onView: watch.observe,
      });
      victim.signal(signal);
      const exit = await victim.exited;
      expect(exit).toEqual(signal === "SIGKILL" ? { code: null, signal: "SIGKILL" } : { code: 0, signal: null });

      await network.startNode(VICTIM, victimEnv);
      expect(resumedAtLastStart(pool.output(VICTIM))).toBe(1);
      const done = await api.waitCompleted(id, { onView: watch.observe });

      const site = atSite(done.nodes);
      expect(site.status).toBe("completed");
      expect(site.count).toEqual(expect.any(Number));
      expect(site.itemVersion).toBeGreaterThan(atSite(caught.nodes).itemVersion);
      expect(watch.views).toBeGreaterThan(2);
      expect(watch.regressions).toEqual([]);
    });
  });
}
