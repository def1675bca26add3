import { type ChildProcess, spawn } from "node:child_process";
import { accepts, pollUntil } from "../../shared/testing/net.ts";

export const NATS_SERVER_BINARY = process.env.NATS_SERVER_BINARY ?? "/usr/sbin/nats-server";

/**
 * A nats-server of the test's own, with JetStream on a store directory that outlives a restart,
 * so that a test may stop and start the broker without touching the shared one.
 */
export class PrivateNatsServer {
  private process: ChildProcess | undefined;

  constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = spawn(NATS_SERVER_BINARY, ["-a", "127.0.0.1", "-p", String(this.port), "-js", "-sd", this.storeDir], {
      stdio: "ignore",
    });
    this.process = server;
    const exited = new Promise<never>((_, reject) => server.once("exit", (code) => reject(new Error(`nats-server exited with ${code}`))));
    exited.catch(() => undefined);
    await Promise.race([pollUntil(`nats-server on port ${this.port}`, 30_000, () => accepts(this.port)), exited]);
  }

  /** SIGTERM (a clean shutdown, JetStream flushed), then waits until it is gone. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const server = this.process;
    this.process = undefined;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const gone = new Promise((resolve) => server.once("exit", resolve));
    server.kill(signal);
    await gone;
  }
}
