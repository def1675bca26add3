import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accepts, freePort, pollUntil } from "./net.ts";

export const NATS_SERVER_BINARY = process.env.NATS_SERVER_BINARY ?? "/usr/sbin/nats-server";

/** How much of the server's own output a failure message quotes. */
const OUTPUT_KEPT = 4000;

/**
 * A nats-server of a test's own, with JetStream in a directory of its own: for a test that stops
 * and starts the broker without touching the shared one, or that needs the permissions the shared
 * server does not enforce. halt() then start() brings it back on the same port and store.
 */
export class PrivateNatsServer {
  private process: ChildProcess | undefined;
  private output = "";

  constructor(
    readonly port: number,
    /** Holds the JetStream store and the configuration file; stop() removes it. */
    readonly dir: string,
    readonly configFile?: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts the process and waits until it accepts connections; fails with its output if it exits first. */
  async start(): Promise<void> {
    if (!existsSync(NATS_SERVER_BINARY)) throw new Error(`${NATS_SERVER_BINARY} not found`);
    const config = this.configFile === undefined ? [] : ["-c", this.configFile];
    const args = [...config, "-a", "127.0.0.1", "-p", String(this.port), "-js", "-sd", join(this.dir, "js")];
    const server = spawn(NATS_SERVER_BINARY, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.process = server;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_KEPT);
    };
    server.stdout?.on("data", keep);
    server.stderr?.on("data", keep);
    server.once("error", (error) => keep(Buffer.from(String(error))));
    await pollUntil(
      `nats-server on port ${this.port}`,
      30_000,
      () => {
        if (server.exitCode !== null || server.signalCode !== null)
          throw new Error(`nats-server exited (${server.exitCode ?? server.signalCode}) before listening: ${this.output.trim()}`);
        return accepts(this.port);
      },
      { describe: () => this.output.trim() },
    );
  }

  /** Ends the process (SIGTERM: a clean shutdown, JetStream flushed) and keeps the store, for a restart. */
  async halt(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const server = this.process;
    this.process = undefined;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const gone = new Promise((resolve) => server.once("exit", resolve));
    server.kill(signal);
    await gone;
  }

  /** Ends the process and removes its directory. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    await this.halt(signal);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Starts a nats-server on a free port in a fresh directory, under `config` if given (e.g. natsServerConfig's). */
export async function startNatsServer(config?: string): Promise<PrivateNatsServer> {
  const dir = await mkdtemp(join(tmpdir(), "qnet-nats-"));
  let configFile: string | undefined;
  if (config !== undefined) {
    configFile = join(dir, "nats.conf");
    await writeFile(configFile, config);
  }
  const server = new PrivateNatsServer(await freePort(), dir, configFile);
  try {
    await server.start();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
