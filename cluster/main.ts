import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { execFile } from "node:child_process";
import { parseArgs, promisify } from "node:util";
import { loadConfig, localApiUrl } from "../shared/config.ts";
import { logFormat, readableLines } from "../shared/log.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import { BROKER_USERS_ENTRY, brokerAuthVariables } from "./brokerAuth.ts";
import { clusterBroker } from "./broker.ts";
import { baseEnvironment, Child, type ChildExit } from "./child.ts";
import {
  COMPOSE_FILE,
  healthCommand,
  healthyFirst,
  infrastructureNames,
  type LocalPlacement,
  localEnvironment,
  oneShotNames,
  qnetServices,
  REPO_ROOT,
  readCompose,
} from "./compose.ts";
import { type LocalBrokerAuth, localBrokerAuth, NO_AUTH } from "./localAuth.ts";
import { StopRequests } from "./stopRequests.ts";

/**
 * `npm run cluster`: the topology of docker-compose.yml as local processes, with the environment
 * the compose file gives each service, moved to this machine (the local RabbitMQ, NATS and
 * PostgreSQL on 127.0.0.1; named volumes under --state-dir). One-shot services (the broker users'
 * setup) run to the end first; a service that depends on a qnet service being healthy (the
 * hospitals on the hub) starts once that service's compose healthcheck passes here. Each line a
 * process writes is shown after its service name; on a terminal its JSON log lines are shown as
 * readable lines (LOG_FORMAT=json keeps them as they are). Ctrl-C stops every process gracefully; a
 * second Ctrl-C, a second or more later, kills them.
 *
 * `--auth` turns broker auth on, as the variables of cluster/broker-auth-env.ts do for compose: every
 * process connects as its own broker user, with a password derived from QNET_BROKER_SECRET (a fresh
 * random one when unset). What that takes on the broker in use is in localAuth.ts.
 */
const { values } = parseArgs({
  options: {
    "state-dir": { type: "string", default: join(REPO_ROOT, ".qnet", "cluster") },
    file: { type: "string", default: COMPOSE_FILE },
    auth: { type: "boolean", default: false },
    "nats-server": { type: "string", default: "nats-server" },
  },
});
const stateDir = resolve(values["state-dir"] as string);
const compose = readCompose(values.file);
const services = qnetServices(compose);
const oneShots = new Set(oneShotNames(compose));
const width = Math.max(...services.map((s) => s.name.length), "cluster".length);
const write = (name: string, line: string) => process.stdout.write(`${name.padEnd(width)} | ${line}\n`);

let shownFormat: ReturnType<typeof logFormat>;
try {
  shownFormat = logFormat(process.stdout, loadConfig({ LOG_FORMAT: process.env.LOG_FORMAT }).LOG_FORMAT);
} catch (err) {
  process.stderr.write(`cluster: ${(err as Error).message}\n`);
  process.exit(2);
}
const readable = shownFormat === "pretty" ? readableLines(process.stdout.isTTY === true) : undefined;
/** A line a process wrote, after its service name; a log line made readable when the terminal is read by a person. */
const show = (name: string, line: string) => {
  for (const part of readable ? readable(line).split("\n") : [line]) write(name, part);
};

const volumeDir = (volume: string) => {
  const dir = join(stateDir, volume);
  mkdirSync(dir, { recursive: true });
  return dir;
};
const placement: LocalPlacement = { infrastructure: infrastructureNames(compose), volumeDir };

// Only --auth turns auth on: variables of an env file meant for compose do not leak in.
const callerEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("QNET_BROKER_")));
const secret = values.auth ? process.env.QNET_BROKER_SECRET || randomBytes(24).toString("base64url") : undefined;
let authVariables: Record<string, string> = {};
try {
  if (secret !== undefined) authVariables = brokerAuthVariables(compose, secret, callerEnv);
} catch (err) {
  // A short QNET_BROKER_SECRET, or a compose file whose processes the setup does not cover.
  process.stderr.write(`cluster: --auth: ${(err as Error).message}\n`);
  process.exit(2);
}
const interpolation = { ...callerEnv, ...authVariables };
const longRunning = services.filter((s) => !oneShots.has(s.name));
const setupService = services.find((s) => s.entry === BROKER_USERS_ENTRY);
let transport: string;
let auth: LocalBrokerAuth = NO_AUTH;
try {
  transport = clusterBroker(longRunning, interpolation);
  const managementUrl = setupService && localEnvironment(setupService.service, interpolation, placement).QNET_RABBITMQ_MANAGEMENT_URL;
  const natsServerBinary = values["nats-server"] as string;
  if (secret !== undefined)
    auth = await localBrokerAuth(transport, { compose, secret, interpolation, placement, managementUrl, natsServerBinary, write });
} catch (err) {
  process.stderr.write(`cluster: ${(err as Error).message}\n`);
  process.exit(2);
}
const environmentOf = (service: (typeof services)[number]) => {
  const env = localEnvironment(service.service, interpolation, placement);
  // Users only on the broker in use.
  if (service.entry === BROKER_USERS_ENTRY) auth.setupEnvironment(env);
  return env;
};

write(
  "cluster",
  `${services.length} processes from ${values.file}; infrastructure on this machine: ${placement.infrastructure.join(", ")}`,
);
if (secret !== undefined)
  write("cluster", `broker auth on (${transport}): every process connects as its own broker user, made by ${auth.madeBy}`);

const children: Child[] = [];
const execFileAsync = promisify(execFile);
/** How often a dependency's healthcheck is run while a service waits for it. */
const HEALTH_POLL_MS = 500;
const stops = new StopRequests(systemClock);

function start(service: (typeof services)[number]): Child {
  const child = new Child({
    name: service.name,
    entry: service.entry,
    env: { ...baseEnvironment(), ...environmentOf(service) },
    onLine: show,
  });
  children.push(child);
  child.exited.then((exit) => write(service.name, describeExit(exit)));
  return child;
}

const onSignal = (signal: NodeJS.Signals) => {
  const request = stops.receive();
  if (request === "again") return;
  const kill = request === "kill";
  write("cluster", kill ? `${signal} again: killing every process` : `${signal}: stopping every process gracefully (Ctrl-C again to kill)`);
  for (const child of children) child.signal(kill ? "SIGKILL" : "SIGTERM");
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

async function run(): Promise<boolean> {
  for (const service of services.filter((s) => oneShots.has(s.name))) {
    const exit = await start(service).exited;
    if (exit.code !== 0 || stops.stopping) return false;
  }
  await auth.afterSetup(setupService ? environmentOf(setupService) : {});
  if (stops.stopping) return false;
  for (const hub of longRunning.filter((s) => s.entry === "hub/main.ts")) {
    announceDashboard(hub).catch((err: Error) => write("cluster", `no dashboard address for ${hub.name}: ${err.message}`));
  }
  const exits = await Promise.all(
    longRunning.map(async (service) => {
      for (const dependency of healthyFirst(compose, service.service)) {
        write(service.name, `waiting for ${dependency} to be healthy`);
        if (!(await healthOf(dependency))) {
          if (!stops.stopping) write(service.name, `not started: ${dependency} stopped before it was healthy`);
          return { code: stops.stopping ? 0 : 1, signal: null };
        }
      }
      return start(service).exited;
    }),
  );
  return exits.every((e) => e.code === 0);
}

/** Once the hub is healthy, where a person on this machine opens its dashboard. */
async function announceDashboard(hub: (typeof services)[number]): Promise<void> {
  if (!(await healthOf(hub.name))) return;
  const config = loadConfig(environmentOf(hub));
  const url = localApiUrl(config.QNET_HTTP_HOST, config.QNET_HTTP_PORT);
  write("cluster", `${hub.name} is ready: dashboard at ${url}/, API at ${url}/api/queries`);
}

const health = new Map<string, Promise<boolean>>();

/** Whether a qnet service became healthy by its compose healthcheck, run here with its environment; false if it stopped first. */
function healthOf(name: string): Promise<boolean> {
  let healthy = health.get(name);
  if (!healthy) {
    healthy = probeUntilHealthy(name);
    health.set(name, healthy);
  }
  return healthy;
}

async function probeUntilHealthy(name: string): Promise<boolean> {
  const service = services.find((s) => s.name === name);
  if (!service) return false;
  const command = healthCommand(service.service);
  for (;;) {
    const child = children.find((c) => c.name === name);
    if (stops.stopping || (child && !child.running)) return false;
    if (child && (command === undefined || (await passes(command, environmentOf(service))))) return true;
    await systemClock.sleep(HEALTH_POLL_MS);
  }
}

async function passes(command: string[], env: Record<string, string>): Promise<boolean> {
  const [program, ...args] = command as [string, ...string[]];
  try {
    await execFileAsync(program === "node" ? process.execPath : program, args, { env: { ...baseEnvironment(), ...env }, timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

let clean: boolean;
try {
  clean = await run();
} catch (err) {
  write("cluster", `could not start: ${(err as Error).message}`);
  for (const child of children) child.signal("SIGTERM");
  await Promise.all(children.map((c) => c.exited));
  clean = false;
}
// What the launcher set up around the processes for auth (users, a nats-server of its own) goes.
const tornDown = await auth.tearDown();
write("cluster", clean && tornDown ? "every process stopped cleanly" : "some process did not stop cleanly");
process.exit(clean && tornDown ? 0 : 1);

function describeExit(exit: ChildExit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
