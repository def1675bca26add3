import { loadConfig } from "../../shared/config.ts";
import { createLogger } from "../../shared/log.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { rebuildAgainstHub } from "./command.ts";
import { type LiveHub, liveHubOf } from "./live.ts";

/**
 * `npm run rebuild`: replays the stored states of QNET_STORE into a fresh view and compares it with
 * what the running hub shows: the hub the same variables describe (QNET_HTTP_HOST, QNET_HTTP_PORT,
 * QNET_API_TOKENS), or QNET_HUB_URL. Exit 0 when they agree, 1 with the differences listed, 2 when
 * the comparison could not be made.
 */
async function main(): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  let hub: LiveHub;
  try {
    config = loadConfig();
    hub = liveHubOf(config, process.env.QNET_HUB_URL);
  } catch (err) {
    process.stderr.write(`rebuild: ${(err as Error).message}\n`);
    return 2;
  }
  const log = createLogger("rebuild", { level: config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL, format: config.LOG_FORMAT });
  try {
    const report = await rebuildAgainstHub(config, hub, { clock: systemClock, log });
    const head = `rebuilt ${report.rebuiltQueries} queries from ${report.states} stored states (${config.QNET_STORE}, schema ${config.QNET_DB_SCHEMA}); the hub at ${hub.url} shows ${report.liveQueries}`;
    if (report.differences.length === 0) {
      process.stdout.write(`${head}\nno difference\n`);
      return 0;
    }
    process.stdout.write(`${head}\n${report.differences.length} difference(s):\n${report.differences.map((d) => `  ${d}`).join("\n")}\n`);
    return 1;
  } catch (err) {
    process.stderr.write(`rebuild: could not compare: ${(err as Error).message}\n`);
    return 2;
  }
}

process.exitCode = await main();
