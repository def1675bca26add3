import { mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { RunResult } from "../run/runner.ts";
import { type SwarmRun, swarmFailed } from "../swarm.ts";
import { htmlReport } from "./html.ts";
import { jsonReport } from "./json.ts";
import { runPlots } from "./plots.ts";
import { summaryLines } from "./summary.ts";
import { esc } from "./svg.ts";

/**
 * The results folder, after Maelstrom's store/: each run writes `<out>/<name>/<timestamp>/`, and
 * `<out>/latest` is a symlink to the newest of them.
 */

/** A folder name from a time that sorts as the time does: 20261129T124503.123Z. */
export const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, "");

/** Makes `<out>/<name>/<stamp>` (a suffix when two runs share a millisecond) and points `<out>/latest` at it. */
export async function newRunFolder(out: string, name: string, now = new Date()): Promise<string> {
  const base = join(out, name, stamp(now));
  let dir = base;
  for (let i = 2; ; i++) {
    try {
      await mkdir(dir, { recursive: false });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") await mkdir(join(out, name), { recursive: true });
      else if ((err as NodeJS.ErrnoException).code === "EEXIST") dir = `${base}-${i}`;
      else throw err;
    }
  }
  // A symlink made aside and renamed over the old one: `latest` is never missing for a reader.
  const latest = join(out, "latest");
  const aside = join(out, `.latest-${process.pid}-${Date.now()}`);
  await symlink(relative(out, dir), aside);
  await rename(aside, latest).catch(async (err) => {
    await rm(aside, { force: true });
    throw err;
  });
  return dir;
}

/** The files of one run: its summary as printed, its JSON report, its HTML report and its plots. Returns their names. */
export async function writeRunFiles(dir: string, result: RunResult, replay: string): Promise<string[]> {
  const files: Record<string, string> = {
    "summary.txt": `${summaryLines(result, replay).join("\n")}\n`,
    "run.json": `${JSON.stringify(jsonReport(result, replay), null, 2)}\n`,
    "report.html": htmlReport(result, { replay }),
    ...runPlots(result),
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return Object.keys(files);
}

/** A swarm's index: every seed with its verdict, the failing ones linked to their folders. */
export function swarmIndexHtml(runs: readonly SwarmRun[], folderOf: (seed: number) => string): string {
  const rows = runs.map((r) => {
    const failed = swarmFailed(r);
    const verdict = r.error ? `error: ${r.error}` : failed ? `FAIL ${r.result?.verdict.counterexample?.message ?? ""}` : "ok";
    const seed = failed ? `<a href="${esc(folderOf(r.seed))}/report.html">${r.seed}</a>` : String(r.seed);
    return `<tr class="${failed ? "bad" : "ok"}"><td>${seed}</td><td>${esc(r.result?.trace ?? "-")}</td><td>${esc(verdict)}</td></tr>`;
  });
  const failing = runs.filter(swarmFailed).length;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>qnet swarm</title>
<style>body{font-family:system-ui,sans-serif;margin:16px;max-width:1100px}td{padding:2px 8px;vertical-align:top;overflow-wrap:anywhere}.bad{color:#c0392b}</style></head><body>
<h1>swarm: ${runs.length - failing}/${runs.length} seeds passed</h1>
<table><thead><tr><th>seed</th><th>trace</th><th>verdict</th></tr></thead><tbody>${rows.join("")}</tbody></table>
</body></html>
`;
}
