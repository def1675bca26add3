import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { execFile } from "node:child_process";
import { parseArgs, promisify } from "node:util";
import { ConfigError, loadConfig, localApiUrl } from "../shared/config.ts";
import { freePort } from "../shared/net.ts";
import { logFormat, readableLines } from "../shared/log.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import { BALANCER_CONFIG, balancerLayout, readLocalBalancerConfig } from "./balancer.ts";
import { BROKER_USERS_ENTRY, brokerAuthVariables } from "./brokerAuth.ts";
import { clusterBroker } from "./broker.ts";
import { baseEnvironment, Child, type ChildExit } from "./child.ts";
import {
  COMPOSE_FILE,
  type ComposeService,
  healthCommand,
  healthyFirst,
  infrastructureNames,
  interpolate,
  isBalancer,
  type LocalPlacement,
  localEnvironment,
  oneShotNames,
  REPO_ROOT,
  readCompose,
} from "./compose.ts";
import { type LocalBrokerAuth, localBrokerAuth, NO_AUTH } from "./localAuth.ts";
import { StopRequests } from "./stopRequests.ts";
import { type LocalProcess, localProcesses, publishedAddress } from "./topology.ts";

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
 * `--hubs N` runs N hub replicas (QNET_HUBS, which the compose file interpolates into the hub's
 * `deploy.replicas`), named hub-1 ... hub-N, each on a port of its own, all behind the balancer:
 * Debian's haproxy (or --haproxy <path>) with cluster/haproxy.cfg made local, on the port compose
 * publishes. Replicas need PostgreSQL; the hub's configuration refuses them on another store.
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
    hubs: { type: "string" },
    haproxy: { type: "string", default: "haproxy" },
  },
});
const stateDir = resolve(values["state-dir"] as string);
const compose = readCompose(values.file);
const oneShots = new Set(oneShotNames(compose));
function fail(message: string): never {
  process.stderr.write(`cluster: ${message}\n`);
  process.exit(2);
}
if (values.hubs !== undefined && !/^\d+$/.test(values.hubs)) fail(`--hubs ${values.hubs}: must be a whole number of hub replicas`);
const write = (name: string, line: string) => process.stdout.write(`${name.padEnd(width)} | ${line}\n`);

let shownFormat: ReturnType<typeof logFormat> = "json";
try {
  shownFormat = logFormat(process.stdout, loadConfig({ LOG_FORMAT: process.env.LOG_FORMAT }).LOG_FORMAT);
} catch (err) {
  fail((err as Error).message);
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
const interpolation: Record<string, string | undefined> = {
  ...callerEnv,
  ...authVariables,
  ...(values.hubs === undefined ? {} : { QNET_HUBS: values.hubs }),
};

/** A process the launcher starts: one of qnet's, or the balancer (a program of its own, stopped softly by SIGUSR1). */
type Launch = Omit<LocalProcess, "entry"> & { entry: string | { program: string }; args?: string[]; stopSignal?: NodeJS.Signals };
let qnetProcesses: LocalProcess[] = [];
try {
  qnetProcesses = localProcesses(compose, interpolation);
} catch (err) {
  fail((err as Error).message);
}
const overrides = new Map<string, Record<string, string>>();
// A configuration a process would refuse (replicas on a store they cannot share) stops everything before it starts.
for (const launch of qnetProcesses.filter((p) => !oneShots.has(p.of))) {
  try {
    loadConfig(environmentOf(launch));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    fail(
      `${launch.name}: ${err.message
        .split("\n")
        .slice(1)
        .map((line) => line.trim())
        .join("; ")}`,
    );
  }
}
const execFileAsync = promisify(execFile);
const balancer = await localBalancer();
const processes: Launch[] = [...qnetProcesses, ...(balancer ? [balancer.launch] : [])];
const width = Math.max(...processes.map((s) => s.name.length), "cluster".length);
const longRunning = processes.filter((s) => !oneShots.has(s.of));
const setupService = qnetProcesses.find((s) => s.entry === BROKER_USERS_ENTRY);
let transport: string;
let auth: LocalBrokerAuth = NO_AUTH;
try {
  transport = clusterBroker(
    qnetProcesses.filter((p) => !oneShots.has(p.of)),
    interpolation,
  );
  const managementUrl = setupService && localEnvironment(setupService.service, interpolation, placement).QNET_RABBITMQ_MANAGEMENT_URL;
  const natsServerBinary = values["nats-server"] as string;
  if (secret !== undefined)
    auth = await localBrokerAuth(transport, { compose, secret, interpolation, placement, managementUrl, natsServerBinary, write });
} catch (err) {
  fail((err as Error).message);
}
function environmentOf(launch: Launch): Record<string, string> {
  const env = { ...localEnvironment(launch.service, interpolation, placement), ...overrides.get(launch.name) };
  // Users only on the broker in use.
  if (launch.entry === BROKER_USERS_ENTRY) auth.setupEnvironment(env);
  return env;
}

write(
  "cluster",
  `${processes.length} processes from ${values.file}; infrastructure on this machine: ${placement.infrastructure.join(", ")}`,
);
if (secret !== undefined)
  write("cluster", `broker auth on (${transport}): every process connects as its own broker user, made by ${auth.madeBy}`);

const children: Child[] = [];
/** How often a dependency's healthcheck is run while a service waits for it. */
const HEALTH_POLL_MS = 500;
const stops = new StopRequests(systemClock);

const stopSignals = new Map<Child, NodeJS.Signals>();

function start(launch: Launch): Child {
  const child = new Child({
    name: launch.name,
    entry: launch.entry,
    args: launch.args,
    env: { ...baseEnvironment(), ...environmentOf(launch) },
    onLine: show,
  });
  children.push(child);
  stopSignals.set(child, launch.stopSignal ?? "SIGTERM");
  // The process id, for whoever wants to signal one replica.
  if (child.pid !== undefined) write(launch.name, `started as process ${child.pid}`);
  child.exited.then((exit) => write(launch.name, describeExit(exit)));
  return child;
}

const onSignal = (signal: NodeJS.Signals) => {
  const request = stops.receive();
  if (request === "again") return;
  const kill = request === "kill";
  write("cluster", kill ? `${signal} again: killing every process` : `${signal}: stopping every process gracefully (Ctrl-C again to kill)`);
  for (const child of children) child.signal(kill ? "SIGKILL" : (stopSignals.get(child) ?? "SIGTERM"));
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

async function run(): Promise<boolean> {
  for (const launch of processes.filter((s) => oneShots.has(s.of))) {
    const exit = await start(launch).exited;
    if (exit.code !== 0 || stops.stopping) return false;
  }
  await auth.afterSetup(setupService ? environmentOf(setupService) : {});
  if (stops.stopping) return false;
  for (const hub of longRunning.filter((s) => s.entry === "hub/main.ts")) {
    announceDashboard(hub).catch((err: Error) => write("cluster", `no dashboard address for ${hub.name}: ${err.message}`));
  }
  if (balancer) announceBalancer(balancer).catch((err: Error) => write("cluster", `the balancer did not answer: ${err.message}`));
  const exits = await Promise.all(
    longRunning.map(async (launch) => {
      for (const dependency of healthyFirst(compose, launch.service)) {
        write(launch.name, `waiting for ${dependency} to be healthy`);
        if (!(await healthOf(dependency))) {
          if (!stops.stopping) write(launch.name, `not started: ${dependency} stopped before it was healthy`);
          return { code: stops.stopping ? 0 : 1, signal: null };
        }
      }
      return start(launch).exited;
    }),
  );
  return exits.every((e) => e.code === 0);
}

/** Once a hub is healthy, where a person on this machine opens its dashboard. */
async function announceDashboard(hub: Launch): Promise<void> {
  if (!(await processHealthy(hub))) return;
  const config = loadConfig(environmentOf(hub));
  const url = localApiUrl(config.QNET_HTTP_HOST, config.QNET_HTTP_PORT);
  write("cluster", `${hub.name} is ready: dashboard at ${url}/, API at ${url}/api/queries`);
}

/** Once a replica behind the balancer is ready and the balancer sends to it: the address to use. */
async function announceBalancer({ url, fronts }: LocalBalancer): Promise<void> {
  if (!(await healthOf(fronts))) return;
  for (;;) {
    const child = children.find((c) => c.name === balancer?.launch.name);
    if (stops.stopping || (child && !child.running)) return;
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await systemClock.sleep(HEALTH_POLL_MS);
  }
  const replicas = qnetProcesses.filter((p) => p.of === fronts).map((p) => p.name);
  write("cluster", `ready through the balancer: dashboard at ${url}/, API at ${url}/api/queries (HAProxy over ${replicas.join(", ")})`);
}

const health = new Map<string, Promise<boolean>>();

/** Whether every process of a compose service became healthy by its compose healthcheck; false if one stopped first. */
function healthOf(service: string): Promise<boolean> {
  let healthy = health.get(service);
  if (!healthy) {
    const members = processes.filter((p) => p.of === service);
    healthy = Promise.all(members.map(processHealthy)).then((all) => members.length > 0 && all.every(Boolean));
    health.set(service, healthy);
  }
  return healthy;
}

const processHealth = new Map<string, Promise<boolean>>();

function processHealthy(launch: Launch): Promise<boolean> {
  let healthy = processHealth.get(launch.name);
  if (!healthy) {
    healthy = probeUntilHealthy(launch);
    processHealth.set(launch.name, healthy);
  }
  return healthy;
}

/** Runs the compose healthcheck of a process here, with its environment, until it passes; false if the process stopped first. */
async function probeUntilHealthy(launch: Launch): Promise<boolean> {
  const command = healthCommand(launch.service);
  for (;;) {
    const child = children.find((c) => c.name === launch.name);
    if (stops.stopping || (child && !child.running)) return false;
    if (child && (command === undefined || (await passes(command, environmentOf(launch))))) return true;
    await systemClock.sleep(HEALTH_POLL_MS);
  }
}

interface LocalBalancer {
  launch: Launch;
  /** The balancer's address on this machine. */
  url: string;
  /** The compose service whose replicas it sends to. */
  fronts: string;
}

/**
 * The balancer of the compose file as a local haproxy: each replica of the service it fronts gets a
 * port of its own, and the balancer takes the port compose publishes. Undefined when the file has none.
 */
async function localBalancer(): Promise<LocalBalancer | undefined> {
  const found = Object.entries(compose.services).find(([, s]) => isBalancer(s));
  if (!found) return undefined;
  const [name, service] = found as [string, ComposeService];
  let layout: ReturnType<typeof balancerLayout>;
  try {
    layout = balancerLayout(readFileSync(BALANCER_CONFIG, "utf8"));
  } catch (err) {
    return fail(`${BALANCER_CONFIG}: ${(err as Error).message}`);
  }
  const fronts = layout.template.host;
  const listen = publishedAddress(service, layout.bindPort, (v) => interpolate(v, interpolation));
  if (!listen) return fail(`${name} publishes no port for its frontend's ${layout.bindPort}`);
  const replicas = qnetProcesses.filter((p) => p.of === fronts);
  if (replicas.length > layout.template.slots)
    fail(`${replicas.length} ${fronts} replicas, but ${BALANCER_CONFIG} has room for ${layout.template.slots}`);
  const servers = [];
  for (const replica of replicas) {
    const port = await freePort();
    overrides.set(replica.name, { QNET_HTTP_PORT: String(port) });
    servers.push({ name: replica.name, port });
  }
  const binary = values.haproxy as string;
  const file = join(stateDir, "haproxy.cfg");
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, readLocalBalancerConfig(listen, servers));
  try {
    await execFileAsync(binary, ["-c", "-q", "-f", file]);
  } catch (err) {
    const cause =
      (err as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : String((err as { stderr?: string }).stderr ?? err).trim();
    return fail(`the balancer needs HAProxy (Debian's haproxy package, or --haproxy <path>): ${binary}: ${cause.split("\n")[0]}`);
  }
  return {
    launch: { name, of: name, service, entry: { program: binary }, args: ["-f", file, "-db"], stopSignal: "SIGUSR1" },
    url: localApiUrl(listen.host, listen.port),
    fronts,
  };
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
