import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "shared/**/*.test.ts",
      "hub/**/*.test.ts",
      "node-agent/**/*.test.ts",
      "scenarios/**/*.test.ts",
      "bench/**/*.test.ts",
      "cluster/**/*.test.ts",
      "trust/**/*.test.ts",
      "docs/**/*.test.ts",
      "examples/**/*.test.ts",
      "*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites share one broker and one database; each run isolates itself by prefix/schema.
    pool: "forks",
  },
});
