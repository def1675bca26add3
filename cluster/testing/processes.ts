import { createServer } from "node:net";
import { baseEnvironment, Child } from "../child.ts";

/**
 * The qnet processes one test starts, as real OS processes. Everything a test starts goes through
 * here, so that `killAll()` in an afterEach leaves nothing running, whatever failed.
 */
export class ProcessPool {
  private readonly children: Child[] = [];
  private readonly lines = new Map<string, string[]>();

  /** Starts `node --import tsx <entry>` with exactly the environment given (plus PATH and the like). */
  start(name: string, entry: string, env: Record<string, string>, args: readonly string[] = []): Child {
    const child = new Child({
      name,
      entry,
      args,
      ownGroup: true,
      env: { ...baseEnvironment(), ...env },
      onLine: (n, line) => this.linesOf(n).push(line),
    });
    this.children.push(child);
    return child;
  }

  /** Everything a service wrote so far, over all its incarnations. */
  output(name: string): string {
    return this.linesOf(name).join("\n");
  }

  /** Waits until a service has written a line matching the pattern. */
  async waitForLine(name: string, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    let found: string | undefined;
    await pollUntil(`${name} to write ${pattern}`, timeoutMs, () => {
      found = this.linesOf(name).find((line) => pattern.test(line));
      return found !== undefined;
    });
    return found as string;
  }

  /** Kills whatever still runs, and whatever it started; for an afterEach. */
  async killAll(): Promise<void> {
    for (const child of this.children) child.signalGroup("SIGKILL");
    await Promise.all(this.children.map((c) => c.exited));
    this.children.length = 0;
  }

  private linesOf(name: string): string[] {
    let lines = this.lines.get(name);
    if (!lines) {
      lines = [];
      this.lines.set(name, lines);
    }
    return lines;
  }
}

/** A TCP port free at the moment of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls a condition until it holds or the deadline passes; the deadline is generous because the
 * machines are shared and slow, and it is a guard against hanging, never an assertion on speed.
 */
export async function pollUntil(
  what: string,
  timeoutMs: number,
  condition: () => boolean | Promise<boolean>,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
