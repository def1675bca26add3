import { describe, it } from "vitest";
import { accepts } from "./net.ts";

/** The real services integration suites run against, and where they listen by default. */
export const SERVICES = {
  amqp: { url: process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672", port: 5672 },
  nats: { url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", port: 4222 },
  postgres: { url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres", port: 5432 },
  rabbitmqManagement: { url: process.env.RABBITMQ_MANAGEMENT_URL ?? "http://guest:guest@127.0.0.1:15672", port: 15672 },
} as const;
export type ServiceName = keyof typeof SERVICES;

function hostPort(name: ServiceName): { host: string; port: number } {
  const u = new URL(SERVICES[name].url.split(",")[0] as string);
  return { host: u.hostname || "127.0.0.1", port: Number(u.port) || SERVICES[name].port };
}

/** Whether a TCP connection to the service opens within a second. */
export function reachable(name: ServiceName): Promise<boolean> {
  const { host, port } = hostPort(name);
  return accepts(port, host, 1000);
}

/** Whether this run is CI, where a missing service or tool fails the run instead of skipping. */
export const inCi = process.env.CI === "true" || process.env.CI === "1";

/**
 * describe() for a suite that needs real services. When one is unreachable it skips, saying so,
 * except under CI=true, where a missing service fails the run instead of hiding behind a skip.
 */
export async function describeWith(services: ServiceName[], name: string, body: () => void): Promise<void> {
  const missing: ServiceName[] = [];
  for (const s of services) if (!(await reachable(s))) missing.push(s);
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const why = `${missing.join(", ")} not reachable (${missing.map((m) => SERVICES[m].url).join(", ")})`;
  if (inCi) {
    describe(name, () => {
      it(`needs ${why}`, () => {
        throw new Error(`CI=true and ${why}: integration suites must not skip in CI`);
      });
    });
    return;
  }
  console.warn(`SKIPPING "${name}": ${why}`);
  describe.skip(`${name} [skipped: ${why}]`, body);
}

/** A prefix unique to this test run, so runs sharing one broker or database never meet. */
export function uniquePrefix(label: string): string {
  return `t${process.pid.toString(36)}${Date.now().toString(36)}-${label}`
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "-")
    .slice(0, 40);
}
