import { readFile, writeFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { ConfigError, loadConfig } from "../shared/config.ts";
import { describeIssues } from "../shared/protocol/messages.ts";
import { brokerName, brokerNames } from "../shared/transport/mod.ts";
import { LIBRARY, findScenario } from "./library/index.ts";
import { htmlReport } from "./report/html.ts";
import { jsonReport } from "./report/json.ts";
import { checksOf, replayCommand, summarize, summaryTable } from "./report/summary.ts";
import { BROKEN_RULES } from "./run/brokenPlans.ts";
import { SIMULATED } from "./run/context.ts";
import { APPLY_POLICIES } from "./run/policy.ts";
import { type Progress, runScenario } from "./run/runner.ts";
import { InvalidScenarioError, type Scenario, parseScenario } from "./schema.ts";
import { runSwarm, swarmFailed } from "./swarm.ts";

const usage = () => `usage:
  npm run scenario -- list
  npm run scenario -- <name or file> [--seed N] [--transport ${brokerNames().join("|")}] [--policy versioned|naive|RULE]
                      [--shorten F] [--json FILE] [--html FILE] [--query ID] [--quiet]
    (--policy RULE: the protocol with one rule taken out, to see the checker catch it: ${BROKEN_RULES.join(", ")})
  npm run scenario -- swarm --runs N [--seed S]`;

const seed = z.coerce
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);
const RunArgs = z.strictObject({
  seed: seed.optional(),
  transport: brokerName.optional(),
  policy: z.enum(APPLY_POLICIES, { message: `must be one of ${APPLY_POLICIES.join(", ")}` }).optional(),
  shorten: z.coerce.number().min(0.01).max(1).optional(),
  json: z.string().min(1).optional(),
  html: z.string().min(1).optional(),
  query: z.string().min(1).optional(),
  quiet: z.literal(true).optional(),
});
const SwarmArgs = z.strictObject({
  runs: z.coerce.number().int().min(1).max(100_000),
  seed: seed.default(1),
  quiet: z.literal(true).optional(),
});

class UsageError extends Error {}

/** `--key value` and `--flag` pairs into an object; anything else is a usage error. */
function options(argv: readonly string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument "${arg}"`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) out[arg.slice(2)] = true;
    else {
      out[arg.slice(2)] = next;
      i++;
    }
  }
  return out;
}

function parseArgs<S extends z.ZodType>(schema: S, argv: readonly string[]): z.output<S> {
  const parsed = schema.safeParse(options(argv));
  if (!parsed.success) throw new UsageError(`bad arguments: ${describeIssues(parsed.error, 10).replace(/(^|; )(\w)/g, "$1--$2")}`);
  return parsed.data;
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

async function runOne(nameOrFile: string, argv: readonly string[]): Promise<number> {
  const args = parseArgs(RunArgs, argv);
  const scenario = await loadScenario(nameOrFile);
  const transport = args.transport ?? scenario.transport;
  const simulated = transport === SIMULATED;
  const tty = process.stderr.isTTY && !args.quiet;
  const result = await runScenario(scenario, {
    seed: args.seed,
    transport,
    policy: args.policy,
    shorten: args.shorten ?? (simulated ? 1 : 0.2),
    config: simulated ? undefined : loadConfig(),
    onProgress: tty ? (p) => process.stderr.write(progressBar(p)) : undefined,
  });
  if (tty) process.stderr.write("\n");
  const v = result.verdict;
  console.log(`scenario ${scenario.name}: ${scenario.description}`);
  console.log(
    `seed ${result.seed}, transport ${result.transport}, policy ${result.policy}, ${(result.simulatedMs / 1000).toFixed(1)} s ${simulated ? "virtual" : "real"} time`,
  );
  console.log(summaryTable(summarize(result)));
  for (const check of checksOf(result)) {
    const n = v.violations.filter((x) => x.invariant === check.name).length;
    console.log(`  ${n === 0 ? "ok  " : "FAIL"} ${check.label}${n ? ` (${n} violation${n > 1 ? "s" : ""})` : ""}`);
  }
  if (args.json) await writeFile(args.json, `${JSON.stringify(jsonReport(result), null, 2)}\n`);
  if (args.html) await writeFile(args.html, htmlReport(result, { queryId: args.query }));
  if (v.ok) console.log("verdict: every invariant holds");
  else {
    console.log(`verdict: FAIL, ${v.violations.length} violation(s)`);
    if (v.counterexample) console.log(`counterexample (${v.counterexample.invariant}): ${v.counterexample.message}`);
    console.log(`seed ${result.seed}; reproduce with: ${replayCommand(result)}`);
  }
  console.log(`trace ${result.trace}`);
  return v.ok ? 0 : 1;
}

async function swarm(argv: readonly string[]): Promise<number> {
  const args = parseArgs(SwarmArgs, argv);
  const started = performance.now();
  const runs = await runSwarm({
    runs: args.runs,
    firstSeed: args.seed,
    onRun: (r) => {
      const kinds = r.scenario.faults.map((f) => JSON.stringify(f)).join(" ");
      const status = r.error ? `ERROR ${r.error}` : r.result?.verdict.ok ? "ok" : `FAIL ${r.result?.verdict.counterexample?.message ?? ""}`;
      if (!args.quiet || swarmFailed(r))
        console.log(
          `seed ${r.seed} ${status} trace ${r.result?.trace ?? "-"}\n  sites ${r.scenario.nodes.map((n) => `${n.nodeId}:${n.profile}`).join(" ")} faults ${kinds}`,
        );
    },
  });
  const failed = runs.filter(swarmFailed);
  console.log(
    `swarm: ${runs.length - failed.length}/${runs.length} seeds passed in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  if (failed.length) {
    console.log(`failing seeds: ${failed.map((r) => r.seed).join(" ")}`);
    console.log(`reproduce one with: npm run scenario -- swarm --runs 1 --seed ${failed[0]?.seed}`);
  }
  return failed.length ? 1 : 0;
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
    return await runOne(command, rest);
  } catch (err) {
    if (err instanceof UsageError || err instanceof InvalidScenarioError || err instanceof ConfigError) {
      console.error(err.message);
      if (err instanceof UsageError) console.error(usage());
      return 2;
    }
    throw err;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(3);
    },
  );
}
