import { connect } from "node:net";
import { systemClock } from "../time/systemClock.ts";

export { freePort } from "../net.ts";

/** Whether a TCP connection to the port opens; a host that does not answer counts as no after `timeoutMs`. */
export function accepts(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export interface PollOptions {
  /** The pause between two looks; 100 ms unless told. */
  everyMs?: number;
  /** What to add to the error when giving up, e.g. a process's output. */
  describe?: () => string;
}

/**
 * Polls a condition until it holds or the deadline passes, on the wall clock. The deadline is
 * generous because the machines are shared and slow: it guards against hanging, never asserts on
 * speed. A condition that throws ends the wait with its error.
 */
export async function pollUntil(
  what: string,
  timeoutMs: number,
  condition: () => boolean | Promise<boolean>,
  options: PollOptions = {},
): Promise<void> {
  const deadline = systemClock.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (systemClock.now() > deadline) {
      const detail = options.describe ? `\n${options.describe()}` : "";
      throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms${detail}`);
    }
    await systemClock.sleep(options.everyMs ?? 100);
  }
}
