import { describe, expect, it, vi } from "vitest";
import type { SqlClient } from "../../shared/store/sql/client.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { findScenario } from "../library/index.ts";
import { runScenario } from "./runner.ts";

/**
 * PGlite, with every statement and transaction made to take a few real milliseconds first: many
 * event-loop turns, in which the ingest lanes, the timers and the node agents could all move on.
 */
vi.mock("../../shared/store/sql/pglite.ts", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../shared/store/sql/pglite.ts")>();
  let n = 0;
  const lag = () => systemClock.sleep(1 + (n++ % 4));
  return {
    pgliteClient: async (dir?: string): Promise<SqlClient> => {
      const client = await real.pgliteClient(dir);
      return {
        query: async (text, params) => {
          await lag();
          return client.query(text, params);
        },
        transaction: async (fn) => {
          await lag();
          return client.transaction(fn);
        },
        listen: (channel, onNotify, onGap) => client.listen(channel, onNotify, onGap),
        close: () => client.close(),
      };
    },
  };
});

describe("a run on a store engine that takes real time", () => {
  for (const name of ["everything-at-once", "drop-before-ack", "duplicate-reorder"]) {
    it(`${name}: statements that take real milliseconds leave the run as it is on the memory store`, async () => {
      const scenario = findScenario(name);
      if (!scenario) throw new Error(`missing scenario ${name}`);
      const onMemory = await runScenario(scenario);
      const slow = await runScenario(scenario, { store: "pglite" });
      expect(slow.store).toBe("pglite");
      expect(slow.verdict.violations).toEqual([]);
      expect(slow.trace).toBe(onMemory.trace);
      expect(slow.simulatedMs).toBe(onMemory.simulatedMs);
    });
  }
});
