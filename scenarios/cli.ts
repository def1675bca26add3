import { mkdir, readFile, writeFile } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, loadConfig } from "../shared/config.ts";
import { brokerNames } from "../shared/transport/mod.ts";
import { RunArgs, SwarmArgs, UsageError, parseArgs, writeProblem } from "./args.ts";
import { LIBRARY, findScenario } from "./library/index.ts";
import { newRunFolder, swarmIndexHtml, writeRunFiles } from "./report/folder.ts";
import { htmlReport } from "./report/html.ts";
import { jsonReport, swarmReport } from "./report/json.ts";
import { replayCommand, summaryLines, swarmReplayCommand } from "./report/summary.ts";
import { BROKEN_RULES } from "./run/brokenPlans.ts";
import { SIMULATED } from "./run/context.ts";
import { type Progress, type RunOptions, runScenario } from "./run/runner.ts";
import { failOnStall } from "./run/stall.ts";
import { STORE_ENGINES } from "./run/store.ts";
import { InvalidScenarioError, type Scenario, parseScenario } from "./schema.ts";
import { type SwarmRun, runSwarm, swarmFailed } from "./swarm.ts";
import { checkHub, describeJudgements, HubUnreachableError } from "./live/hubCheck.ts";

const usage = () => `usage:
  npm run scenario -- list
  npm run scenario -- <name or file> [--seed N] [--transport ${brokerNames().join("|")}] [--store ${STORE_ENGINES.join("|")}]
                      [--policy versioned|naive|RULE] [--shorten F] [--json FILE] [--html FILE] [--query ID] [--out DIR] [--quiet]
    (--policy RULE: the protocol with one rule taken out, to see the checker catch it: ${BROKEN_RULES.join(", ")})
  npm run scenario -- swarm --runs N [--seed S] [--transport ...] [--store ...] [--policy ...] [--shorten F]
                      [--json FILE] [--html FILE] [--out DIR] [--quiet]
    (every run writes <DIR>/<name>/<timestamp>/ and points <DIR>/latest at it; DIR is results by default)
  npm run scenario -- check --hub URL [--watch SECONDS] [--queries N]
    (judges a running hub through its API: exit 0 when every live invariant holds, 1 naming the broken ones)`;

/** `check --hub URL`: the live invariants of a running hub, judged through its API. */
async function checkLive(argv: readonly string[]): Promise<number> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i] as string, argv[i + 1]];
    if (!["--hub", "--watch", "--queries"].includes(flag)) throw new UsageError(`check takes --hub, --watch and --queries, not ${flag}`);
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    flags.set(flag.slice(2), value);
  }
  const url = flags.get("hub");
  if (!url || !/^https?:\/\/\S+$/.test(url)) throw new UsageError("check needs --hub http://host:port");
  const watch = Number(flags.get("watch") ?? "10");
  const queries = Number(flags.get("queries") ?? "100");
  if (!Number.isFinite(watch) || watch < 0 || watch > 3600) throw new UsageError("--watch: seconds from 0 to 3600");
  if (!Number.isInteger(queries) || queries < 1 || queries > 500) throw new UsageError("--queries: from 1 to 500");
  console.log(`watching ${url} for ${watch} s, then judging its newest ${queries} queries`);
  try {
    const { judgements, queries: judged, observations } = await checkHub({ url, watchMs: watch * 1000, queries });
    console.log(`${judged} queries, ${observations} rows seen`);
    for (const line of describeJudgements(judgements)) console.log(line);
    const broken = judgements.filter((j) => !j.holds).map((j) => j.invariant);
    console.log(broken.length === 0 ? "every live invariant holds" : `broken: ${broken.join(", ")}`);
    return broken.length === 0 ? 0 : 1;
  } catch (err) {
    if (!(err instanceof HubUnreachableError)) throw err;
    console.error(`check: ${err.message}`);
    return 2;
  }
}

async function loadScenario(nameOrFile: string): Promise<Scenario> {
  const named = findScenario(nameOrFile);
  if (named) return named;
  const ext = extname(nameOrFile);
  if (!ext) throw new UsageError(`no scenario named "${nameOrFile}" (see: npm run scenario -- list)`);
  const path = resolve(nameOrFile);
  let input: unknown;
  try {
    input = ext === ".json" ? JSON.parse(await readFile(path, "utf8")) : (await import(pathToFileURL(path).href)).default;
  } catch (err) {
    throw new UsageError(`cannot read scenario file ${nameOrFile}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseScenario(input, `scenario file ${nameOrFile}`);
}

function progressBar(p: Progress): string {
  const fraction = p.expectedMs > 0 ? Math.min(1, p.elapsedMs / p.expectedMs) : 1;
  const filled = Math.round(fraction * 30);
  return `\r[${"#".repeat(filled)}${".".repeat(30 - filled)}] t=${(p.elapsedMs / 1000).toFixed(1)}s  queries done ${p.queriesDone}/${p.queries}`;
}

/** What a run of a scenario or a swarm's seeds is made with, from the flags, the scenario's own transport otherwise. */
function runOptions(args: RunArgs | SwarmArgs, scenarioTransport: string, onProgress?: (p: Progress) => void): RunOptions {
  const transport = args.transport ?? scenarioTransport;
  const simulated = transport === SIMULATED;
  return {
    transport,
    policy: args.policy,
    store: args.store,
    shorten: args.shorten ?? (simulated ? 1 : 0.2),
    // A real broker's variables; DATABASE_URL for the postgres store.
    config: simulated && args.store !== "postgres" ? undefined : loadConfig(),
    onProgress,
  };
}

/** Writes a report the flags asked for; a file that cannot be written after all is a one-line error. */
async function writeReport(flag: "json" | "html", file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (err) {
    throw new UsageError(`--${flag}: cannot write ${file}: ${writeProblem(err)}`);
  }
}

const asJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Where a run's results folder goes: --out, else `results` in the working directory (QNET_RESULTS_DIR for tests). */
const outDir = (args: { out?: string }) => args.out ?? process.env.QNET_RESULTS_DIR ?? "results";

/** Makes the run's results folder; a folder that cannot be made is a one-line error. */
async function resultsFolder(out: string, name: string): Promise<string> {
  try {
    return await newRunFolder(out, name);
  } catch (err) {
    throw new UsageError(`--out: cannot write results under ${out}: ${writeProblem(err)}`);
  }
}

async function runOne(nameOrFile: string, argv: readonly string[]): Promise<number> {
  const args = await parseArgs(RunArgs, argv);
  const scenario = await loadScenario(nameOrFile);
  const tty = process.stderr.isTTY && !args.quiet;
  const options = runOptions(args, scenario.transport, tty ? (p) => process.stderr.write(progressBar(p)) : undefined);
  const result = await runScenario(scenario, { ...options, seed: args.seed });
  if (tty) process.stderr.write("\n");
  const replay = replayCommand(result, findScenario(nameOrFile) ? scenario.name : nameOrFile);
  const lines = summaryLines(result, replay);
  for (const line of lines.slice(0, -1)) console.log(line);
  if (args.json) await writeReport("json", args.json, asJson(jsonReport(result, replay)));
  if (args.html) await writeReport("html", args.html, htmlReport(result, { queryId: args.query, replay }));
  const folder = await resultsFolder(outDir(args), scenario.name);
  await writeRunFiles(folder, result, replay);
  console.log(`results: ${folder}`);
  console.log(lines.at(-1));
  return result.verdict.ok ? 0 : 1;
}

async function swarm(argv: readonly string[]): Promise<number> {
  const args = await parseArgs(SwarmArgs, argv);
  const started = performance.now();
  const printed: string[] = [];
  const say = (line: string) => {
    printed.push(line);
    console.log(line);
  };
  const runs = await runSwarm({
    runs: args.runs,
    firstSeed: args.seed ?? 1,
    run: runOptions(args, SIMULATED),
    onRun: (r) => {
      const kinds = r.scenario.faults.map((f) => JSON.stringify(f)).join(" ");
      const status = r.error ? `ERROR ${r.error}` : r.result?.verdict.ok ? "ok" : `FAIL ${r.result?.verdict.counterexample?.message ?? ""}`;
      if (!args.quiet || swarmFailed(r))
        say(
          `seed ${r.seed} ${status} trace ${r.result?.trace ?? "-"}\n  sites ${r.scenario.nodes.map((n) => `${n.nodeId}:${n.profile}`).join(" ")} faults ${kinds}`,
        );
    },
  });
  const failed = runs.filter(swarmFailed);
  say(`swarm: ${runs.length - failed.length}/${runs.length} seeds passed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const report = swarmReport(runs);
  if (args.json) await writeReport("json", args.json, asJson(report));
  const shown = (failed.find((r) => r.result) ?? runs.at(-1))?.result;
  if (args.html && shown) await writeReport("html", args.html, htmlReport(shown, { replay: swarmReplayCommand(shown) }));
  if (failed.length) {
    say(`failing seeds: ${failed.map((r) => r.seed).join(" ")}`);
    const first = failed[0] as SwarmRun;
    say(
      `reproduce one with: ${first.result ? swarmReplayCommand(first.result) : `npm run scenario -- swarm --runs 1 --seed ${first.seed}`}`,
    );
  }
  const folder = await resultsFolder(outDir(args), "swarm");
  await writeSwarmFolder(folder, runs, report, printed);
  console.log(`results: ${folder}`);
  return failed.length ? 1 : 0;
}

/** A swarm's folder: its index (HTML, JSON, and the lines it printed) and a folder of files per failing seed. */
async function writeSwarmFolder(folder: string, runs: readonly SwarmRun[], report: unknown, printed: readonly string[]): Promise<void> {
  const seedFolder = (seed: number) => `seed-${seed}`;
  await writeFile(join(folder, "index.html"), swarmIndexHtml(runs, seedFolder));
  await writeFile(join(folder, "index.json"), asJson(report));
  await writeFile(join(folder, "summary.txt"), `${printed.join("\n")}\n`);
  for (const r of runs.filter(swarmFailed)) {
    const dir = join(folder, seedFolder(r.seed));
    await mkdir(dir);
    if (r.result) await writeRunFiles(dir, r.result, swarmReplayCommand(r.result));
    else await writeFile(join(dir, "error.txt"), `seed ${r.seed}: ${r.error ?? "no result"}\n`);
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "--help" || command === "help") {
      console.log(usage());
      return command === undefined ? 2 : 0;
    }
    if (command === "list") {
      for (const s of LIBRARY) console.log(`${s.name}  ${s.description}`);
      return 0;
    }
    if (command === "swarm") return await swarm(rest);
    if (command === "check") return await checkLive(rest);
    return await runOne(command, rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message} (usage: npm run scenario -- --help)`);
      return 2;
    }
    if (err instanceof InvalidScenarioError || err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  failOnStall(() => process.argv[2] ?? "scenario");
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(3);
    },
  );
}
