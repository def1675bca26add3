// `npm run mutate`: Stryker plants one bug at a time in the hub's apply path, store engines,
// ingest, view and overdue poller, and asks the scenario suite (never the unit tests) to notice.
// Run it as `npm run mutate` (scenarios/mutation/mutate.ts: by part, with the time and score);
// the list below is every file of every part. See docs/checker.md, "Mutation score".
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "command",
  commandRunner: { command: "node --import tsx scenarios/mutation/run.ts" },
  mutate: [
    "shared/apply/*.ts",
    "shared/store/memory.ts",
    "shared/store/forwarding.ts",
    "shared/store/sql/sqlStore.ts",
    "shared/store/sql/itemCache.ts",
    "shared/store/sql/schema.ts",
    "hub/ingest/*.ts",
    "hub/view/statusView.ts",
    "hub/view/breakdowns.ts",
    "hub/view/display.ts",
    "hub/view/rebuild.ts",
    "hub/overdue.ts",
    "!**/*.test.ts",
  ],
  ignorePatterns: ["reports", ".qnet", "dist", "bench", "examples", "docs", "**/*.test.ts"],
  // tsx strips types without checking them: nothing to disable, nothing to check.
  disableTypeChecks: false,
  checkers: [],
  concurrency: 2,
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  // A mutant that loops forever stops the run past twice the suite's time plus this.
  // On a shared machine a slow run is not a killed mutant: generous.
  timeoutMS: 30_000,
  timeoutFactor: 2,
  // The first run of the whole command, unmutated: on PGlite on a busy machine it takes past the 5 min default.
  dryRunTimeoutMinutes: 30,
  reporters: ["clear-text", "progress", "json", "event-recorder"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
