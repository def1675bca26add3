import { z } from "zod";
import { ConfigError, loadConfig } from "../../shared/config.ts";
import { createLogger } from "../../shared/log.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { rebuildAgainstHub } from "./command.ts";

const HubUrl = z
  .url({ protocol: /^https?$/, message: "QNET_HUB_URL: must be an http:// or https:// URL" })
  .default("http://127.0.0.1:8080");

/**
 * `npm run rebuild`: replays the stored states of QNET_STORE into a fresh view and compares it with
 * what the hub at QNET_HUB_URL shows. Exit 0 when they agree, 1 with the differences listed, 2 when
 * the comparison could not be made.
 */
async function main(): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  let hubUrl: string;
  try {
    config = loadConfig();
    const url = HubUrl.safeParse(process.env.QNET_HUB_URL || undefined);
    if (!url.success) throw new ConfigError(`invalid configuration\n  ${url.error.issues[0]?.message}`);
    hubUrl = url.data;
  } catch (err) {
    process.stderr.write(`rebuild: ${(err as Error).message}\n`);
    return 2;
  }
  const log = createLogger("rebuild", { level: config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL, format: config.LOG_FORMAT });
  try {
    const report = await rebuildAgainstHub(config, hubUrl, { clock: systemClock, log });
    const head = `rebuilt ${report.rebuiltQueries} queries from ${report.states} stored states (${config.QNET_STORE}, schema ${config.QNET_DB_SCHEMA}); the hub at ${hubUrl} shows ${report.liveQueries}`;
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
