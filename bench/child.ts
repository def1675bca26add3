import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Runs a bench script in a process of its own and answers the JSON of the last line it prints:
 * its memory or its CPU are then its own, not the parent's.
 */
export function runChild<T>(script: string, args: readonly string[], nodeOptions: readonly string[] = []): Promise<T> {
  const entry = fileURLToPath(new URL(script, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeOptions, "--import", "tsx", entry, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code === 0 && line.startsWith("{")) resolve(JSON.parse(line) as T);
      else reject(new Error(`${script} ${args.join(" ")} exited ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`));
    });
  });
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes of one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
