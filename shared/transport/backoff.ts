import type { Random } from "../ports/random.ts";

/**
 * Exponential backoff with jitter for reconnects and retries: 200 ms, 400 ms, ... up to maxMs,
 * each scaled by a random 0.8..1.2 so that many clients do not retry in step.
 */
export function backoffDelay(attempt: number, random: Random, maxMs = 10_000): number {
  const base = Math.min(maxMs, 200 * 2 ** Math.min(Math.max(attempt - 1, 0), 20));
  return Math.round(base * (0.8 + 0.4 * random.next()));
}

/** A URL fit for a log line or an error: the password is never repeated. */
export function redactUrl(url: string): string {
  return url
    .split(",")
    .map((one) => {
      try {
        const u = new URL(one.trim());
        if (u.password) u.password = "***";
        return u.toString().replace(/\/$/, "");
      } catch {
        return one.replace(/\/\/[^@/]*@/, "//***@");
      }
    })
    .join(",");
}
