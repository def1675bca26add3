import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { describeIssues } from "../shared/protocol/messages.ts";
import { brokerName } from "../shared/transport/mod.ts";
import { APPLY_POLICIES } from "./run/policy.ts";
import { STORE_ENGINES } from "./run/store.ts";

/** Bad arguments on the command line: the run never starts, the message says what is wrong in one line. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * A flag that takes a value. Given alone (`--seed` and nothing after it) it is an error rather
 * than the value `true`; left out it is undefined.
 */
function valued<S extends z.ZodType<unknown, string>>(schema: S) {
  return z
    .string({ error: (issue) => (issue.input === true ? "needs a value" : undefined) })
    .pipe(schema)
    .optional();
}

/** A flag that must be given, with a value. */
function required<S extends z.ZodType<unknown, string>>(schema: S) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? "is required" : issue.input === true ? "needs a value" : undefined) })
    .pipe(schema);
}

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: "must be a whole number" })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { message: `must be at least ${min}` })
        .max(max, { message: `must be at most ${max}` }),
    );

const fraction = z
  .string()
  .regex(/^(\d+\.?\d*|\.\d+)$/, { message: "must be a number" })
  .transform(Number)
  .pipe(z.number().min(0.01, { message: "must be at least 0.01" }).max(1, { message: "must be at most 1" }));

const path = z.string().min(1, { message: "needs a file name" });
const flag = z.literal(true, { error: "takes no value" }).optional();

/** What a run of a scenario and a swarm alike take. */
const RUN_FLAGS = {
  seed: valued(wholeNumber(0, 2 ** 32 - 1)),
  transport: valued(brokerName),
  policy: valued(z.enum(APPLY_POLICIES, { message: `must be one of ${APPLY_POLICIES.join(", ")}` })),
  store: valued(z.enum(STORE_ENGINES, { message: `must be ${STORE_ENGINES.join(", ")}` })),
  shorten: valued(fraction),
  json: valued(path),
  html: valued(path),
  out: valued(z.string().min(1, { message: "needs a folder name" })),
  quiet: flag,
};

export const RunArgs = z.strictObject({ ...RUN_FLAGS, query: valued(z.string().min(1)) });
export const SwarmArgs = z.strictObject({ ...RUN_FLAGS, runs: required(wholeNumber(1, 100_000)) });
export type RunArgs = z.output<typeof RunArgs>;
export type SwarmArgs = z.output<typeof SwarmArgs>;

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

/** The command line's flags, validated; the files a run will write are checked writable before anything runs. */
export async function parseArgs<S extends typeof RunArgs | typeof SwarmArgs>(schema: S, argv: readonly string[]): Promise<z.output<S>> {
  const parsed = schema.safeParse(options(argv));
  if (!parsed.success) {
    const issues = describeIssues(parsed.error, 10).replace(/(^|; )(\w)/g, "$1--$2");
    throw new UsageError(`bad arguments: ${issues.replace(/\(root\): Unrecognized key: "(\w+)"/g, "no flag --$1")}`);
  }
  const args = parsed.data as z.output<S>;
  if (args.json) await checkWritable("json", args.json);
  if (args.html) await checkWritable("html", args.html);
  return args;
}

/** Whether a report can be written at the path: an existing file we may write, or a new one in a folder we may write to. */
async function checkWritable(flagName: string, file: string): Promise<void> {
  const full = resolve(file);
  const existing = await stat(full).catch(() => undefined);
  if (existing?.isDirectory()) throw new UsageError(`--${flagName}: ${file} is a folder, not a file`);
  try {
    await access(existing ? full : dirname(full), constants.W_OK);
  } catch (err) {
    throw new UsageError(`--${flagName}: cannot write ${file}: ${writeProblem(err, existing !== undefined)}`);
  }
}

/** Why a file cannot be written, in words. */
export function writeProblem(err: unknown, exists = true): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOENT") return exists ? "it does not exist" : "its folder does not exist";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a folder";
  return err instanceof Error ? err.message : String(err);
}
