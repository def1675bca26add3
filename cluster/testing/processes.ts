import { baseEnvironment, Child, type ChildExit } from "../child.ts";
import { pollUntil } from "../../shared/testing/net.ts";

/**
 * The qnet processes one test starts, as real OS processes. Everything a test starts goes through
 * here, so that `killAll()` in an afterEach leaves nothing running, whatever failed. Each process
 * leads its own process group, so a kill reaches whatever it started too. A graceful stop is the
 * process's own `stop()` (SIGTERM to it alone, which then ends what it started).
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

  /** kill -9 of a process and its group: no handler runs, nothing is flushed, in-flight work is simply gone. */
  async kill(child: Child): Promise<ChildExit> {
    child.signalGroup("SIGKILL");
    return child.exited;
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
