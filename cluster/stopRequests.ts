import type { Clock } from "../shared/ports/clock.ts";

/** How long after the first stop signal a further one is a new request, which kills, rather than a copy of the first. */
export const KILL_AFTER_MS = 1_000;

/** What a stop signal asks of the launcher: stop every process gracefully, kill them all, or nothing new. */
export type StopRequest = "stop" | "kill" | "again";

/**
 * The stop signals the launcher has received. One Ctrl-C reaches it more than once: the terminal
 * sends SIGINT to the whole foreground process group, and npm and tsx relay it as well, all within
 * milliseconds. So only a signal at least KILL_AFTER_MS after the first one is a second request.
 */
export class StopRequests {
  private first: number | undefined;

  constructor(private readonly clock: Clock) {}

  /** Whether a stop has been asked for. */
  get stopping(): boolean {
    return this.first !== undefined;
  }

  receive(): StopRequest {
    const now = this.clock.now();
    if (this.first === undefined) {
      this.first = now;
      return "stop";
    }
    return now - this.first >= KILL_AFTER_MS ? "kill" : "again";
  }
}
