import { pollUntil } from "../../shared/testing/net.ts";
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
