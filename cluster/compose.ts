import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { parse } from "yaml";
import { z } from "zod";

/** The repository root, where docker-compose.yml and package.json lie. */
export const REPO_ROOT = join(import.meta.dirname, "..");
export const COMPOSE_FILE = join(REPO_ROOT, "docker-compose.yml");

/**
 * The part of the Compose specification qnet's file uses; anything the file holds beyond it is
 * passed over.
 */
const Service = z.object({
  image: z.string().optional(),
  build: z.union([z.string(), z.object({ context: z.string() }).loose()]).optional(),
  command: z.array(z.string()).optional(),
  // Compose takes a number or a boolean as its text (`QNET_HEARTBEAT_MS: 5000`).
  environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  volumes: z.array(z.string()).default([]),
  ports: z.array(z.string()).default([]),
  depends_on: z
    .record(z.string(), z.object({ condition: z.enum(["service_started", "service_healthy", "service_completed_successfully"]) }))
    .optional(),
  healthcheck: z
    .object({ test: z.array(z.string()) })
    .loose()
    .optional(),
  // Compose takes the count as a number or as an interpolated text (`${QNET_HUBS:-1}`).
  deploy: z
    .object({ replicas: z.union([z.number(), z.string()]).optional() })
    .loose()
    .optional(),
});
export type ComposeService = z.infer<typeof Service>;

const ComposeFile = z.object({
  name: z.string().optional(),
  services: z.record(z.string(), Service),
  volumes: z.record(z.string(), z.unknown()).default({}),
});
export type ComposeFile = z.infer<typeof ComposeFile>;

/**
 * A compose file as compose reads it, before any check: merge keys (`<<: *anchor`) resolved, so
 * each service comes out whole.
 */
export function readComposeDocument(path: string = COMPOSE_FILE): unknown {
  try {
    return parse(readFileSync(path, "utf8"), { merge: true });
  } catch (error) {
    throw new Error(`${path}: not YAML compose can read: ${(error as Error).message}`);
  }
}

/** Reads a compose file and checks the part qnet uses; a mistake there gets a message naming it. */
export function readCompose(path: string = COMPOSE_FILE): ComposeFile {
  const parsed = ComposeFile.safeParse(readComposeDocument(path));
  if (!parsed.success) throw new Error(`${path}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The image qnet builds runs `node dist/<path>.js`; every other service is infrastructure. */
const OWN_COMMAND = /^dist\/((?:hub|node-agent|trust)\/[A-Za-z0-9_/-]+)\.js$/;

/** The TypeScript entry a qnet service runs (`node dist/hub/main.js` -> hub/main.ts), or undefined for infrastructure. */
export function entryOf(service: ComposeService): string | undefined {
  const [program, file, ...rest] = service.command ?? [];
  if (program !== "node" || file === undefined || rest.length > 0) return undefined;
  const match = OWN_COMMAND.exec(file);
  return match ? `${match[1]}.ts` : undefined;
}

/** The services that run qnet's own code, in file order, with their TypeScript entries. */
export function qnetServices(compose: ComposeFile): { name: string; entry: string; service: ComposeService }[] {
  return Object.entries(compose.services).flatMap(([name, service]) => {
    const entry = entryOf(service);
    return entry ? [{ name, entry, service }] : [];
  });
}

/**
 * One-shot services: those another waits for with `service_completed_successfully` (the broker users'
 * setup). They run to the end before what depends on them starts; the rest keep running.
 */
export function oneShotNames(compose: ComposeFile): string[] {
  const names = new Set(
    Object.values(compose.services).flatMap((s) =>
      Object.entries(s.depends_on ?? {}).flatMap(([name, { condition }]) => (condition === "service_completed_successfully" ? [name] : [])),
    ),
  );
  return Object.keys(compose.services).filter((name) => names.has(name));
}

/**
 * The qnet services a service waits to be healthy before it starts (the hub, which declares the
 * topology a node with its own broker user may not create). Infrastructure is assumed to run already.
 */
export function healthyFirst(compose: ComposeFile, service: ComposeService): string[] {
  return Object.entries(service.depends_on ?? {}).flatMap(([name, { condition }]) => {
    const dependency = compose.services[name];
    return condition === "service_healthy" && dependency && entryOf(dependency) ? [name] : [];
  });
}

/** A healthcheck's command in exec form (`CMD`), or undefined when the service has none qnet can run. */
export function healthCommand(service: ComposeService): string[] | undefined {
  const [form, ...command] = service.healthcheck?.test ?? [];
  return form === "CMD" && command.length > 0 ? command : undefined;
}

/** Whether a service runs the official haproxy image: the balancer, which `npm run cluster` runs itself. */
export function isBalancer(service: ComposeService): boolean {
  return /^haproxy(:|$)/.test(service.image ?? "");
}

/**
 * Infrastructure: services that run someone else's image (the brokers, the database) and are
 * assumed to run on this machine already; the balancer is not, the launcher runs it.
 */
export function infrastructureNames(compose: ComposeFile): string[] {
  return Object.entries(compose.services)
    .filter(([, s]) => entryOf(s) === undefined && !isBalancer(s))
    .map(([name]) => name);
}

/** How many containers of a service compose runs (`deploy.replicas`, interpolated), 1 when it does not say. */
export function replicasOf(service: ComposeService, env: Record<string, string | undefined>): number {
  const replicas = service.deploy?.replicas;
  if (replicas === undefined) return 1;
  const text = typeof replicas === "number" ? String(replicas) : interpolate(replicas, env);
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new Error(`deploy.replicas must be a whole number above 0, not "${text}"`);
  return Number(text);
}

/**
 * Compose's variable interpolation for the forms the file uses: `${VAR}`, `${VAR:-default}`
 * (default when unset or empty) and `${VAR-default}` (default when unset). `$$` is a literal `$`.
 */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g, (whole, name?: string, op?: string, fallback?: string) => {
    if (whole === "$$") return "$";
    const current = env[name as string];
    if (op === ":-") return current === undefined || current === "" ? (fallback ?? "") : current;
    if (op === "-") return current === undefined ? (fallback ?? "") : current;
    return current ?? "";
  });
}

/** A service's environment as its container sees it: the file's values, interpolated. */
export function containerEnvironment(service: ComposeService, env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment).map(([key, raw]) => [key, interpolate(raw, env)]));
}

export interface LocalPlacement {
  /** Infrastructure service names; as hosts in a value they become 127.0.0.1, where the local services listen. */
  infrastructure: readonly string[];
  /** `127.0.0.1:<port>` of an infrastructure service that listens elsewhere than its compose port (the launcher's own nats-server). */
  addresses?: Readonly<Record<string, string>>;
  /** Where a named volume lives on this machine. */
  volumeDir: (volume: string) => string;
}

/**
 * A service's environment as it would be inside its container, then moved to this machine: the
 * hostnames of infrastructure services become 127.0.0.1, "all interfaces" becomes loopback (the
 * compose file publishes the hub on loopback only), and paths inside a mounted named volume
 * become paths inside that volume's local directory.
 */
export function localEnvironment(
  service: ComposeService,
  env: Record<string, string | undefined>,
  placement: LocalPlacement,
): Record<string, string> {
  const mounts = service.volumes.flatMap((spec) => {
    const [source, target] = spec.split(":");
    return source && target && !source.startsWith(".") && !source.startsWith("/") ? [{ source, target }] : [];
  });
  const out: Record<string, string> = {};
  for (const [key, inContainer] of Object.entries(containerEnvironment(service, env))) {
    let value = onLoopback(inContainer, placement);
    if (value === "0.0.0.0" || value === "::") value = "127.0.0.1";
    for (const { source, target } of mounts) {
      if (value === target || value.startsWith(`${target}/`)) value = join(placement.volumeDir(source), posix.relative(target, value));
    }
    out[key] = value;
  }
  return out;
}

/**
 * In a URL, or a comma-separated list of them, the host of an infrastructure service becomes
 * 127.0.0.1, and host and port become the service's address when the placement gives one.
 */
function onLoopback(value: string, placement: LocalPlacement): string {
  return value
    .split(",")
    .map((part) => {
      const url = /^([a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?)([^:/?#]+)(:\d+)?(.*)$/i.exec(part);
      const host = url?.[2] as string;
      if (!url || !placement.infrastructure.includes(host)) return part;
      const address = placement.addresses?.[host];
      return address ? `${url[1]}${address}${url[4]}` : `${url[1]}127.0.0.1${url[3] ?? ""}${url[4]}`;
    })
    .join(",");
}
