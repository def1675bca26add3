import { expect, it } from "vitest";
import { loadConfig } from "../../shared/config.ts";
import { pgClient } from "../../shared/store/sql/pg.ts";
import { SERVICES, describeWith, uniquePrefix } from "../../shared/testing/services.ts";
import { findScenario } from "../library/index.ts";
import { runScenario } from "./runner.ts";

await describeWith(["postgres"], "a scenario on the postgres store", () => {
  it("holds every invariant in a schema of its own, dropped after the run", async () => {
    const scenario = findScenario("everything-at-once");
    if (!scenario) throw new Error("missing scenario");
    const schema = uniquePrefix("scn").replace(/-/g, "_");
    const result = await runScenario(scenario, { store: "postgres", schema, config: loadConfig({ DATABASE_URL: SERVICES.postgres.url }) });
    expect(result.store).toBe("postgres");
    expect(result.verdict.violations).toEqual([]);
    expect(result.history.applied.length).toBeGreaterThan(100);
    const client = pgClient(SERVICES.postgres.url);
    try {
      const { rows } = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
      expect(rows).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
