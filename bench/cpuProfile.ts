import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
}

/** Where a function's code lives, as the components the ingest path is made of. */
const COMPONENTS: readonly [RegExp, string][] = [
  [/node_modules\/zod\//, "zod"],
  [/node_modules\/(pg|pg-protocol|pg-pool|pg-types)\//, "pg client"],
  [/node_modules\/amqplib\//, "amqplib"],
  [/node_modules\/@nats-io\//, "nats.js"],
  [/node_modules\/prom-client\//, "metrics (prom-client)"],
  [/node_modules\//, "other packages"],
  [/\/shared\/store\//, "store (SQL, item cache)"],
  [/\/shared\/apply\//, "store planning (decide, plan)"],
  [/\/shared\/protocol\//, "decode (protocol)"],
  [/\/shared\/transport\//, "transport adapter (deliveries)"],
  [/\/shared\/packed\//, "packed columns"],
  [/\/hub\/view\//, "view"],
  [/\/hub\/ingest\//, "ingest (lanes, bursts)"],
  [/\/hub\/metrics\.ts/, "metrics (hub)"],
  [/\/hub\//, "hub, other"],
  [/\/bench\//, "bench"],
  [/^node:/, "node internals"],
];

function componentOf(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(idle)") return "idle";
  if (functionName === "(program)") return "program (native, compiler)";
  for (const [pattern, name] of COMPONENTS) if (pattern.test(url)) return name;
  return url === "" ? "native (bindings, builtins)" : "other";
}

export interface ProfileSummary {
  file: string;
  samples: number;
  /** Shares of the busy (non-idle) samples, largest first. */
  components: { name: string; share: number }[];
  top: { name: string; share: number }[];
}

/**
 * A CPU profile of this process's main thread, sampled every `intervalUs`: start() and stop()
 * around the measured stretch; the summary gives self-time shares per component and function.
 */
export class CpuProfiler {
  private readonly session = new Session();

  constructor(private readonly intervalUs = 100) {}

  async start(): Promise<void> {
    this.session.connect();
    await this.session.post("Profiler.enable");
    await this.session.post("Profiler.setSamplingInterval", { interval: this.intervalUs });
    await this.session.post("Profiler.start");
  }

  async stop(file: string, topCount = 25): Promise<ProfileSummary> {
    const { profile } = (await this.session.post("Profiler.stop")) as unknown as { profile: Profile };
    this.session.disconnect();
    await writeFile(file, JSON.stringify(profile));
    const self = new Map<number, number>();
    for (const id of profile.samples ?? []) self.set(id, (self.get(id) ?? 0) + 1);
    const byComponent = new Map<string, number>();
    const byFunction = new Map<string, number>();
    let busy = 0;
    for (const node of profile.nodes) {
      const hits = self.get(node.id) ?? 0;
      if (hits === 0) continue;
      const component = componentOf(node);
      if (component === "idle") continue;
      busy += hits;
      byComponent.set(component, (byComponent.get(component) ?? 0) + hits);
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url ? ` ${url.replace(/^.*\/(node_modules|work\/[^/]+\/[^/]+)\//, "")}:${lineNumber + 1}` : "";
      const name = `${functionName || "(anonymous)"}${where}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    }
    const shares = (m: Map<string, number>) =>
      [...m].map(([name, hits]) => ({ name, share: hits / Math.max(1, busy) })).sort((a, b) => b.share - a.share);
    return { file, samples: busy, components: shares(byComponent), top: shares(byFunction).slice(0, topCount) };
  }
}

export function printSummary(title: string, s: ProfileSummary): void {
  const pct = (x: number) => `${(100 * x).toFixed(1).padStart(5)}%`;
  const lines = [`\n${title}: ${s.samples} busy samples, profile in ${s.file}`, "components (self time):"];
  for (const c of s.components) lines.push(`  ${pct(c.share)}  ${c.name}`);
  lines.push("top functions (self time):");
  for (const f of s.top) lines.push(`  ${pct(f.share)}  ${f.name}`);
  console.log(lines.join("\n"));
}
