import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../shared/ports/clock.ts";

export const NATS_SERVER_BINARY = "/usr/sbin/nats-server";

export interface RunningNatsServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
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

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * A nats-server of one's own, with JetStream in a fresh directory, on a free port, under the
 * given configuration (e.g. natsServerConfig): for tests of broker permissions, which the shared
 * server does not enforce.
 */
export async function startNatsServer(config: string, clock: Clock, binary = NATS_SERVER_BINARY): Promise<RunningNatsServer> {
  if (!existsSync(binary)) throw new Error(`${binary} not found`);
  const dir = mkdtempSync(join(tmpdir(), "qnet-nats-"));
  const file = join(dir, "nats.conf");
  writeFileSync(file, config);
  const port = await freePort();
  let output = "";
  const child: ChildProcess = spawn(binary, ["-c", file, "-p", String(port), "-js", "-sd", join(dir, "js")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  child.stderr?.on("data", (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) break;
    if (await accepts(port)) return { url: `nats://127.0.0.1:${port}`, port, stop };
    await clock.sleep(100);
  }
  await stop();
  throw new Error(`nats-server did not start on port ${port}: ${output.trim()}`);
}
