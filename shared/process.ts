import { ConfigError } from "./config.ts";

export interface Running {
  stop(): Promise<void>;
}

/**
 * The life of a qnet process: start, then on SIGTERM or SIGINT stop gracefully (stop consuming,
 * finish in-flight work, ack, close) and exit 0. A bad configuration or an unreachable broker at
 * start prints one clear message and exits 1, without a stack trace for the operator to decode.
 */
export async function runProcess(name: string, start: () => Promise<Running>): Promise<void> {
  let running: Running;
  try {
    running = await start();
  } catch (err) {
    const message = err instanceof ConfigError ? err.message : `could not start: ${(err as Error).message ?? String(err)}`;
    process.stderr.write(`${name}: ${message}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${name}: ${signal} received, stopping\n`);
    const force = setTimeout(() => {
      process.stderr.write(`${name}: in-flight work did not finish in time; exiting\n`);
      process.exit(1);
    }, 15_000);
    force.unref();
    try {
      await running.stop();
      process.exit(0);
    } catch (err) {
      process.stderr.write(`${name}: error while stopping: ${String(err)}\n`);
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}
