import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/** Test support: qnet processes started as real OS processes, and the HTTP calls a test makes to the hub. */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface Started {
  name: string;
  child: ChildProcess;
  /** stderr and stdout so far, for a failure message. */
  output(): string;
  exited: Promise<number | null>;
}

export function startProcess(name: string, entry: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: ROOT,
    env: { ...process.env, CI: process.env.CI ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const chunks: string[] = [];
  const keep = (b: Buffer) => {
    chunks.push(b.toString());
    if (chunks.length > 400) chunks.splice(0, 100);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { name, child, output: () => chunks.join(""), exited };
}

/** kill -9: no handler runs, nothing is flushed, in-flight work is simply gone. */
export async function killHard(p: Started): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill("SIGKILL");
  await p.exited;
}

/** SIGTERM, the graceful stop; answers the exit code. */
export async function stopGracefully(p: Started): Promise<number | null> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.child.exitCode;
  p.child.kill("SIGTERM");
  return p.exited;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `check` answers a value, or throws after `limitMs` with what `describe` says. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, limitMs: number, describe?: () => string): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}${describe ? `\n${describe()}` : ""}`);
    await pause(250);
  }
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return (await response.json()) as T;
}

export async function postJson<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
