import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "./compose.ts";

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildOptions {
  /** The service name, shown before every line the process writes. */
  name: string;
  /**
   * The TypeScript entry, relative to the repository root (e.g. hub/main.ts), run with tsx; or a
   * program that is not qnet's (the balancer), found on PATH.
   */
  entry: string | { program: string };
  /** Arguments after the entry. */
  args?: readonly string[];
  /** The whole environment of the process (nothing is inherited beyond it). */
  env: Record<string, string>;
  /** Start it as the leader of its own process group, so that signalGroup() reaches what it starts too. */
  ownGroup?: boolean;
  /** Each line the process writes, stdout and stderr alike. */
  onLine?: (name: string, line: string, stream: "stdout" | "stderr") => void;
}

/**
 * What qnet's own processes run with, as `npm run hub` and the image have them: a young generation
 * large enough that a message's short-lived objects die there instead of being promoted.
 */
export const NODE_FLAGS = ["--max-semi-space-size=64"] as const;

/** One process: qnet's, started from its TypeScript entry as `npm run hub` would start it, or another program. */
export class Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly exited: Promise<ChildExit>;
  private readonly ownGroup: boolean;
  private exit: ChildExit | undefined;

  constructor(options: ChildOptions) {
    this.name = options.name;
    const [program, ...args] =
      typeof options.entry === "string"
        ? [process.execPath, ...NODE_FLAGS, "--import", "tsx", options.entry, ...(options.args ?? [])]
        : [options.entry.program, ...(options.args ?? [])];
    this.process = spawn(program, args, {
      cwd: REPO_ROOT,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: options.ownGroup ?? false,
    });
    this.ownGroup = options.ownGroup ?? false;
    for (const stream of ["stdout", "stderr"] as const) {
      const lines = createInterface({ input: this.process[stream] as NodeJS.ReadableStream });
      lines.on("line", (line) => options.onLine?.(this.name, line, stream));
    }
    this.exited = new Promise((resolve) => {
      this.process.once("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.process.once("error", () => {
        this.exit = { code: null, signal: null };
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Sends a signal if the process still runs. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.process.kill(signal);
  }

  /** Signals the process and everything it started, when it leads its own group; otherwise the process alone. */
  signalGroup(signal: NodeJS.Signals): void {
    const pid = this.process.pid;
    if (!this.ownGroup || pid === undefined) {
      this.signal(signal);
      return;
    }
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  }

  /** SIGTERM, then waits for the exit. */
  async stop(): Promise<ChildExit> {
    this.signal("SIGTERM");
    return this.exited;
  }
}

/** The environment a child starts from: the system's basics, never the caller's QNET_* settings. */
export function baseEnvironment(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const keep = ["PATH", "HOME", "TMPDIR", "LANG", "TZ", "NODE_OPTIONS", "TSX_TSCONFIG_PATH"];
  const env: Record<string, string> = {};
  for (const key of keep) {
    const value = from[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}
