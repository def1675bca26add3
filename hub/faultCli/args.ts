import { type LiveFault, LiveFaultSchema } from "../../shared/faults/mod.ts";
import type { FaultWindow } from "../faults.ts";

/** What `npm run fault` was asked to do. */
export type FaultCommand = { verb: "add"; fault: LiveFault } | { verb: "list" } | { verb: "remove"; id: string } | { verb: "help" };

export const FAULT_USAGE = `usage: npm run fault -- <command>
  add latency   --node ID --ms N [--jitter N] --for DURATION
  add duplicate --node ID [--probability P] [--lag N] --for DURATION
  add reorder   --node ID [--probability P] [--window N] --for DURATION
  add partition --node ID [--direction publish|consume|both] --for DURATION
  add crash     --node ID --for DURATION          (the site's agent stops, and starts again at the end)
  list                                            (every fault window the hub recorded)
  remove ID                                       (lift a fault now)
DURATION: 60s, 2m, 1500ms or milliseconds; N in milliseconds; P from 0 to 1.
The hub: QNET_HUB_URL, or QNET_HTTP_HOST/QNET_HTTP_PORT; its token: the first of QNET_API_TOKENS.`;

export class FaultUsageError extends Error {
  override readonly name = "FaultUsageError";
}

/** "60s", "2m", "1500ms", "1h" or plain milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new FaultUsageError(`--for: "${text}" is not a duration (60s, 2m, 1500ms)`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? "ms") as "ms" | "s" | "m" | "h"];
  return Math.round(Number(match[1]) * unit);
}

const number = (flag: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) throw new FaultUsageError(`--${flag}: "${text}" is not a number`);
  return n;
};

const KIND_FLAGS: Record<string, { kind: LiveFault["kind"]; flags: Record<string, string> }> = {
  latency: { kind: "latency", flags: { ms: "baseMs", jitter: "jitterMs" } },
  duplicate: { kind: "duplicate", flags: { probability: "probability", lag: "maxLagMs" } },
  reorder: { kind: "reorder", flags: { probability: "probability", window: "windowMs" } },
  partition: { kind: "partition", flags: { direction: "direction" } },
  crash: { kind: "nodeCrash", flags: {} },
};
/** What a flag left out means, where the fault table has no default. */
const DEFAULTS: Partial<Record<LiveFault["kind"], Record<string, unknown>>> = {
  duplicate: { probability: 0.5 },
  reorder: { probability: 0.5, windowMs: 2_000 },
};

function flagsOf(words: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < words.length; i += 2) {
    const word = words[i] as string;
    if (!word.startsWith("--")) throw new FaultUsageError(`unexpected "${word}": flags come as --name value`);
    const value = words[i + 1];
    if (value === undefined) throw new FaultUsageError(`${word} needs a value`);
    flags.set(word.slice(2), value);
  }
  return flags;
}

/** Reads the command line; the fault is checked by the API's own schema, so both refuse alike. */
export function parseFaultArgs(argv: readonly string[]): FaultCommand {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === "help" || verb === "--help" || verb === "-h") return { verb: "help" };
  if (verb === "list") {
    if (rest.length > 0) throw new FaultUsageError(`list takes nothing, not "${rest.join(" ")}"`);
    return { verb: "list" };
  }
  if (verb === "remove") {
    if (rest.length !== 1) throw new FaultUsageError("remove takes the id of one fault");
    return { verb: "remove", id: rest[0] as string };
  }
  if (verb !== "add") throw new FaultUsageError(`unknown command "${verb}"`);
  const [name, ...words] = rest;
  const spec = name === undefined ? undefined : KIND_FLAGS[name];
  if (!spec) throw new FaultUsageError(`add what? one of ${Object.keys(KIND_FLAGS).join(", ")}`);
  const flags = flagsOf(words);
  const fault: Record<string, unknown> = { kind: spec.kind, ...DEFAULTS[spec.kind] };
  for (const [flag, value] of flags) {
    if (flag === "node") fault.nodeId = value;
    else if (flag === "for") fault.for = parseDuration(value);
    else if (flag in spec.flags) {
      const field = spec.flags[flag] as string;
      fault[field] = field === "direction" ? value : number(flag, value);
    } else throw new FaultUsageError(`add ${name} takes no --${flag}`);
  }
  if (fault.nodeId === undefined) throw new FaultUsageError("--node is required");
  if (fault.for === undefined) throw new FaultUsageError("--for is required");
  const parsed = LiveFaultSchema.safeParse(fault);
  if (!parsed.success) {
    throw new FaultUsageError(parsed.error.issues.map((i) => `${i.path.join(".") || "fault"}: ${i.message}`).join("; "));
  }
  return { verb: "add", fault: parsed.data };
}

/** One line per window: what, where, and when it ends or ended. */
export function describeWindow(w: FaultWindow): string {
  const { kind: _k, nodeId: _n, for: _f, ...fields } = w.fault as Record<string, unknown>;
  const detail = Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const state = w.ended === null ? `in force until ${w.endsAt}` : `${w.ended} at ${w.endedAt}`;
  return `${w.id}  ${w.nodeId}  ${w.label}${detail ? ` (${detail})` : ""}  from ${w.startedAt}, ${state}`;
}
