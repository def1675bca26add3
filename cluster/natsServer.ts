import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** A nats-server the launcher runs for itself: on a port the server picks, stopped with the cluster. */
export interface LocalNatsServer {
  readonly url: string;
  stop(): Promise<void>;
}

const LISTENING = /Listening for client connections on (\S+):(\d+)/;
const READY = /Server is ready/;

/**
 * Starts `binary -c <configFile> -a 127.0.0.1 -p -1 -js -sd <storeDir>`: the server chooses a free
 * port (-1) and says which, so no port is guessed and raced for. Resolves once it is ready; rejects
 * with its last lines if it exits first. Each line it logs goes to `onLine`.
 */
export function startLocalNatsServer(options: {
  binary: string;
  configFile: string;
  storeDir: string;
  onLine: (line: string) => void;
}): Promise<LocalNatsServer> {
  const args = ["-c", options.configFile, "-a", "127.0.0.1", "-p", "-1", "-js", "-sd", options.storeDir];
  const server: ChildProcess = spawn(options.binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  const last: string[] = [];
  return new Promise((resolve, reject) => {
    let port: string | undefined;
    const stop = async () => {
      if (server.exitCode === null && server.signalCode === null) server.kill("SIGTERM");
      await exited;
    };
    for (const stream of [server.stdout, server.stderr]) {
      createInterface({ input: stream as NodeJS.ReadableStream }).on("line", (line) => {
        options.onLine(line);
        last.push(line);
        if (last.length > 20) last.shift();
        port ??= LISTENING.exec(line)?.[2];
        if (port !== undefined && READY.test(line)) resolve({ url: `nats://127.0.0.1:${port}`, stop });
      });
    }
    server.once("error", (err) => reject(new Error(`${options.binary} could not start: ${err.message}`)));
    void exited.then(() => reject(new Error(`${options.binary} exited before it was ready:\n${last.join("\n")}`)));
  });
}
