import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { baseEnvironment, Child, type ChildExit } from "./child.ts";
import { COMPOSE_FILE, infrastructureNames, localEnvironment, qnetServices, REPO_ROOT, readCompose } from "./compose.ts";

/**
 * `npm run cluster`: the topology of docker-compose.yml as local processes, with the environment
 * the compose file gives each service, moved to this machine (the local RabbitMQ, NATS and
 * PostgreSQL on 127.0.0.1; named volumes under --state-dir). Each line a process writes is shown
 * after its service name. Ctrl-C stops every process gracefully; a second Ctrl-C kills them.
 */
const { values } = parseArgs({
  options: {
    "state-dir": { type: "string", default: join(REPO_ROOT, ".qnet", "cluster") },
    file: { type: "string", default: COMPOSE_FILE },
  },
});
const stateDir = resolve(values["state-dir"] as string);
const compose = readCompose(values.file);
const infrastructure = infrastructureNames(compose);
const services = qnetServices(compose);
const width = Math.max(...services.map((s) => s.name.length));

const write = (name: string, line: string) => process.stdout.write(`${name.padEnd(width)} | ${line}\n`);
write("cluster", `${services.length} processes from ${values.file}; infrastructure on this machine: ${infrastructure.join(", ")}`);

const volumeDir = (volume: string) => {
  const dir = join(stateDir, volume);
  mkdirSync(dir, { recursive: true });
  return dir;
};

const children = services.map(({ name, entry, service }) => {
  const env = { ...baseEnvironment(), ...localEnvironment(service, process.env, { infrastructure, volumeDir }) };
  const child = new Child({ name, entry, env, onLine: (n, line) => write(n, line) });
  child.exited.then((exit) => {
    write(name, describeExit(exit));
    if (children.every((c) => !c.running)) void finish();
  });
  return child;
});

let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals++;
  const last = signals > 1 ? "SIGKILL" : "SIGTERM";
  write("cluster", signals > 1 ? `${signal} again: killing every process` : `${signal}: stopping every process gracefully`);
  for (const child of children) child.signal(last);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

async function finish(): Promise<void> {
  const exits = await Promise.all(children.map((c) => c.exited));
  const clean = exits.every((e) => e.code === 0);
  write("cluster", clean ? "every process stopped cleanly" : "some process did not stop cleanly");
  process.exit(clean ? 0 : 1);
}

function describeExit(exit: ChildExit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
