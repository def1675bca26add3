import { runChild } from "./child.ts";
import type { Figure } from "./report.ts";
import type { SimulationRun } from "./simulation.ts";

export interface ScaleSize {
  queries: number;
  /** Node counts to run, smallest first: growth is read from the first to the last. */
  nodes: readonly number[];
  populationSize: number;
  /**
   * --max-old-space-size of each child, in MiB. For the million-result point it is below the
   * 2 GiB target, so a run that finishes shows the JS heap fits; peak RSS, which adds the typed
   * columns, code and buffers, is the figure held to the target.
   */
  maxOldSpaceMb: number;
  /** Every query asks for all four breakdowns. */
  breakdowns?: boolean;
}

const GIB = 1024 ** 3;

function runPoint(nodes: number, size: ScaleSize): Promise<Omit<SimulationRun, "bodies">> {
  return runChild(
    "./scaleRun.ts",
    [String(nodes), String(size.queries), String(size.populationSize), ...(size.breakdowns ? ["breakdowns"] : [])],
    // No --max-semi-space-size=64 here, unlike the hub: at 300 nodes x 1,000 queries it cost
    // 117 MiB more peak RSS (658 against 541 MiB) for 2% less CPU time, within the noise.
    [`--max-old-space-size=${size.maxOldSpaceMb}`],
  );
}

/** Simulations of growing node counts, each in a fresh process: wall time, peak memory, and how both grow. */
export async function scalePart(size: ScaleSize): Promise<Figure[]> {
  const part = `4 scale${size.breakdowns ? " +breakdowns" : ""}`;
  const figures: Figure[] = [];
  const runs: Omit<SimulationRun, "bodies">[] = [];
  for (const nodes of size.nodes) {
    const run = await runPoint(nodes, size);
    runs.push(run);
    const label = `${nodes} nodes x ${size.queries} queries`;
    figures.push(
      {
        part,
        name: `${label}: wall time`,
        value: run.seconds,
        unit: "s",
        note: `${run.results} results, ${run.transitions} transitions, all done: ${run.allDone}`,
      },
      {
        part,
        name: `${label}: CPU time`,
        value: run.cpuSeconds,
        unit: "s",
        note: "user + system: steadier than wall time on a shared machine",
      },
      {
        part,
        name: `${label}: peak RSS`,
        value: run.peakRssBytes / 2 ** 20,
        unit: "MiB",
        target: run.results >= 1_000_000 ? "< 2048" : undefined,
        met: run.results >= 1_000_000 ? run.allDone && run.peakRssBytes < 2 * GIB : undefined,
        note: `heap limit ${size.maxOldSpaceMb} MiB, ${run.storedStates} stored states`,
      },
      { part, name: `${label}: peak heap`, value: run.peakHeapBytes / 2 ** 20, unit: "MiB", note: "heapUsed, garbage included" },
    );
  }
  const first = runs[0];
  const last = runs[runs.length - 1];
  if (first && last && last !== first) {
    const work = last.transitions / first.transitions;
    const timeGrowth = last.seconds / last.transitions / (first.seconds / first.transitions);
    const memGrowth = last.peakRssBytes / last.results / (first.peakRssBytes / first.results);
    figures.push(
      {
        part,
        name: `time per transition, ${last.nodes} vs ${first.nodes} nodes`,
        value: timeGrowth,
        unit: "ratio",
        target: "~1 (linear)",
        met: timeGrowth < 1.5,
        note: `work grew ${work.toFixed(1)}x`,
      },
      { part, name: `peak RSS per result, ${last.nodes} vs ${first.nodes} nodes`, value: memGrowth, unit: "ratio" },
    );
  }
  return figures;
}
