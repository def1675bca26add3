import pg from "pg";
import { expect, it } from "vitest";
import { loadConfig } from "../../shared/config.ts";
import { SERVICES, describeWith, uniquePrefix } from "../../shared/testing/services.ts";
import { runScenario } from "../run/runner.ts";
import { findScenario } from "./index.ts";
import { uncounted } from "./testing/faultCounts.ts";

/** A third of real time: the result timeout is 3 s, long beside the replicas' feed lag. */
const SHORTEN = 0.3;

/** Whether a process with this pid is still alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function schemaExists(schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: SERVICES.postgres.url });
  await client.connect();
  try {
    const res = await client.query("SELECT 1 FROM information_schema.schemata WHERE schema_name = $1", [schema]);
    return res.rowCount === 1;
  } finally {
    await client.end();
  }
}

for (const transport of ["amqp", "nats"] as const) {
  await describeWith([transport, "postgres"], `hub replicas as processes on ${transport}`, () => {
    it("hub-replicas holds every invariant with replicas 1 and 2 as child processes, replica 2 killed with SIGKILL and started anew", {
      timeout: 180_000,
    }, async () => {
      const scenario = findScenario("hub-replicas");
      if (!scenario) throw new Error("missing scenario hub-replicas");
      const prefix = uniquePrefix(`reps-${transport}`).toLowerCase();
      const schema = prefix.replace(/[^a-z0-9]/g, "_");
      const result = await runScenario(scenario, {
        transport,
        store: "postgres",
        shorten: SHORTEN,
        prefix,
        schema,
        config: loadConfig({ DATABASE_URL: SERVICES.postgres.url }),
      });
      expect(result.verdict.violations).toEqual([]);
      expect(result.queryIds).toHaveLength(scenario.queries.length);
      expect(uncounted(result)).toEqual({ silentKinds: [], unknownActions: [] });
      // The run was judged once the sites had finished and every update they published was settled.
      expect(result.history.unsettledUpdates()).toBe(0);

      // Replica 0 ran in the runner's process; 1 once and 2 twice ran as processes of their own.
      const processes = result.replicaProcesses;
      expect(processes.map((p) => p.replica)).toEqual([1, 2, 2]);
      const pids = processes.map((p) => p.pid ?? Number.NaN);
      expect(pids.every((pid) => Number.isInteger(pid) && pid !== process.pid)).toBe(true);
      expect(new Set(pids).size).toBe(3);
      // The crash was a SIGKILL of replica 2's first process; the others stopped by themselves at the end.
      expect(processes.map((p) => [p.replica, p.killed, p.signal])).toEqual([
        [1, false, null],
        [2, true, "SIGKILL"],
        [2, false, null],
      ]);
      expect(result.history.faultActions.get("hub-2: crashed")).toBe(1);
      // Nothing is left behind: no replica process, no schema.
      expect(pids.filter(alive)).toEqual([]);
      expect(await schemaExists(schema)).toBe(false);
    });
  });
}
