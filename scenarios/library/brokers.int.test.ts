import { expect, it } from "vitest";
import { loadConfig } from "../../shared/config.ts";
import { describeWith, uniquePrefix } from "../../shared/testing/services.ts";
import { summarize } from "../report/summary.ts";
import { runScenario } from "../run/runner.ts";
import { findScenario } from "./index.ts";
import { uncounted } from "./testing/faultCounts.ts";

/** Real time, shortened to a tenth: the faults are injected around the real client and the redeliveries are the broker's own. */
const SHORTEN = 0.1;
const SCENARIOS = ["drop-before-ack", "poison", "partition", "duplicate-reorder", "ledger-loss", "resend-new-ids"] as const;

for (const transport of ["amqp", "nats"] as const) {
  await describeWith([transport], `scenarios on ${transport}`, () => {
    for (const name of SCENARIOS) {
      it(`${name} holds every invariant`, { timeout: 60_000 }, async () => {
        const scenario = findScenario(name);
        if (!scenario) throw new Error(`missing scenario ${name}`);
        const result = await runScenario(scenario, {
          transport,
          shorten: SHORTEN,
          prefix: uniquePrefix(name.slice(0, 6)).toLowerCase(),
          config: loadConfig({}),
        });
        expect(result.verdict.violations).toEqual([]);
        expect(result.queryIds).toHaveLength(scenario.queries.length);
        expect(uncounted(result)).toEqual({ silentKinds: [], unknownActions: [] });
        if (name === "poison") expect(result.deadLetters.length).toBe(30);
        if (name === "drop-before-ack") expect(result.history.faultActions.get("hub: ack dropped") ?? 0).toBeGreaterThan(0);
        if (name === "duplicate-reorder") {
          // The copies went through the broker (JetStream's de-duplication included) and reached the hub.
          const injected = (what: string) =>
            [...result.history.faultActions].filter(([k]) => k.endsWith(`result ${what}`)).reduce((n, [, v]) => n + v, 0);
          expect(injected("duplicated in transit")).toBeGreaterThan(0);
          expect(injected("held back for reordering")).toBeGreaterThan(0);
          expect(summarize(result).rules.duplicate).toBeGreaterThan(0);
        }
      });
    }
  });
}
