// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are compose interpolations, not templates
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { promisify } from "node:util";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { DEFAULT_SITES, envSchema, loadConfig, MAX_HUBS, NODE_PROFILES, requireNodeId } from "../shared/config.ts";
import { sharedBrokerNames } from "../shared/transport/mod.ts";
import { BrokerUsersEnvSchema, loadBrokerUsersEnv } from "../trust/brokerUsers.ts";
import { networkCredentials } from "../trust/credentials.ts";
import { hubBrokerUser, nodeBrokerUser, nodeIdOfBrokerUser } from "../trust/identity.ts";
import { BALANCER_CONFIG, BALANCER_CONFIG_TARGET, balancerLayout } from "./balancer.ts";
import { BROKER_USERS_ENTRY, brokerAuthVariables } from "./brokerAuth.ts";
import {
  type ComposeService,
  containerEnvironment,
  entryOf,
  infrastructureNames,
  interpolate,
  isBalancer,
  localEnvironment,
  oneShotNames,
  qnetServices,
  REPO_ROOT,
  readCompose,
  readComposeDocument,
  replicasOf,
} from "./compose.ts";
import { localProcesses, publishedAddress } from "./topology.ts";

const compose = readCompose();
const qnet = qnetServices(compose);
const infrastructure = infrastructureNames(compose);
const placement = { infrastructure, volumeDir: (v: string) => `/state/${v}` };
const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const hubs = qnet.filter((s) => s.entry === "hub/main.ts");
const nodes = qnet.filter((s) => s.entry === "node-agent/main.ts");
const setups = qnet.filter((s) => s.entry === BROKER_USERS_ENTRY);
/** The processes that keep running: the hub and the hospitals. */
const processes = [...hubs, ...nodes];
const SECRET = "compose-test-secret-0123456789";

/** The configuration a service reads in its container, and again moved to this machine by `npm run cluster`. */
function configsOf(service: ComposeService, env: Record<string, string> = {}) {
  const inContainer = Object.fromEntries(Object.entries(service.environment).map(([k, v]) => [k, interpolate(v, env)]));
  return [loadConfig(inContainer), loadConfig(localEnvironment(service, env, placement))];
}

describe("docker-compose.yml against the configuration schema (they cannot drift)", () => {
  it("runs one hub service and five hospitals of qnet's image, beside RabbitMQ, NATS and PostgreSQL, after one broker users setup, behind HAProxy", () => {
    expect(hubs).toHaveLength(1);
    expect(Object.keys(compose.services).filter((name) => isBalancer(compose.services[name]!))).toEqual(["haproxy"]);
    expect(nodes).toHaveLength(5);
    expect(setups.map((s) => s.name)).toEqual(["broker-users"]);
    expect(processes.length + setups.length).toBe(qnet.length);
    expect(oneShotNames(compose)).toEqual(["broker-users"]);
    expect(infrastructure.sort()).toEqual(["nats", "postgres", "rabbitmq"]);
  });

  it("runs only processes that exist: each command is an entry compiled by tsconfig.build.json and an npm script", () => {
    const build = JSON.parse(readFileSync(join(REPO_ROOT, "tsconfig.build.json"), "utf8")) as { include: string[] };
    for (const { name, entry, service } of qnet) {
      expect(existsSync(join(REPO_ROOT, entry)), `${name}: ${entry}`).toBe(true);
      expect(build.include, `${name}: ${entry} is compiled`).toContain(entry.split("/")[0]);
      expect(service.command).toEqual(["node", `dist/${entry.replace(/\.ts$/, ".js")}`]);
    }
    // A script runs the entry with tsx, directly or as node's loader (with node's own flags before it).
    const runsWithTsx = (script: string, entry: string) => script === `tsx ${entry}` || script.endsWith(` --import tsx ${entry}`);
    for (const { name, entry } of processes)
      expect(
        Object.values(scripts).some((script) => runsWithTsx(script, entry)),
        `${name}: an npm script runs ${entry}`,
      ).toBe(true);
  });

  it("sets only variables the schema knows, and every value parses, in the container and on this machine, on every broker processes share", () => {
    const known = new Set(Object.keys(envSchema().shape));
    const knownBySetup = new Set([...known, ...Object.keys(BrokerUsersEnvSchema.shape)]);
    for (const { name, service } of setups) {
      for (const key of Object.keys(service.environment)) expect(knownBySetup.has(key), `${name}: ${key} is read by no schema`).toBe(true);
    }
    for (const { name, service } of processes) {
      for (const key of Object.keys(service.environment))
        expect(known.has(key), `${name}: ${key} is not in the configuration schema`).toBe(true);
      for (const transport of sharedBrokerNames()) {
        for (const config of configsOf(service, { QNET_TRANSPORT: transport })) expect(config.QNET_TRANSPORT).toBe(transport);
      }
    }
  });

  it("switches every process between RabbitMQ and NATS by one variable, RabbitMQ by default", () => {
    for (const { service } of processes) {
      expect(service.environment.QNET_TRANSPORT).toBe("${QNET_TRANSPORT:-amqp}");
      for (const config of configsOf(service)) expect(config.QNET_TRANSPORT).toBe("amqp");
    }
  });

  it("fans the hub out to exactly the hospitals it runs, each with its own profile and a ledger on a volume", () => {
    const [hub] = hubs.flatMap((h) => configsOf(h.service));
    const nodeConfigs = nodes.map((n) => configsOf(n.service)[0]!);
    expect(hub!.QNET_NODES).toEqual(nodeConfigs.map((c) => requireNodeId(c)));
    expect(nodes.map((n) => n.name)).toEqual(hub!.QNET_NODES);
    expect(new Set(nodeConfigs.map((c) => c.QNET_NODE_PROFILE))).toEqual(new Set(NODE_PROFILES));
    for (const n of nodes) {
      const [inContainer, local] = configsOf(n.service);
      const mount = n.service.volumes.map((v) => v.split(":")).find(([, target]) => target === inContainer!.QNET_NODE_STATE_DIR);
      expect(mount, `${n.name} keeps its ledger on a named volume`).toBeDefined();
      expect(compose.volumes).toHaveProperty(mount![0]!);
      expect(local!.QNET_NODE_STATE_DIR).toBe(`/state/${mount![0]}`);
    }
  });

  it("runs the hospitals npm start runs, each with the profile the shared table gives it", () => {
    const profiles = nodes.map((n) => configsOf(n.service)[0]!).map((c) => ({ nodeId: requireNodeId(c), profile: c.QNET_NODE_PROFILE }));
    expect(profiles).toEqual(DEFAULT_SITES);
  });

  it("points every process at the compose services, and `npm run cluster` at this machine's", () => {
    for (const { service } of processes) {
      const [inContainer, local] = configsOf(service);
      expect(new URL(inContainer!.AMQP_URL).hostname).toBe("rabbitmq");
      expect(new URL(inContainer!.NATS_URL).hostname).toBe("nats");
      expect(new URL(local!.AMQP_URL).hostname).toBe("127.0.0.1");
      expect(new URL(local!.NATS_URL).hostname).toBe("127.0.0.1");
      if (local!.QNET_STORE === "postgres") {
        expect(local!.DATABASE_URL).toBe("postgres://postgres@127.0.0.1:5432/postgres");
        expect(new URL(inContainer!.DATABASE_URL).hostname).toBe("postgres");
      }
    }
  });

  it("runs QNET_HUBS hub replicas (one by default), each told how many there are, on PostgreSQL only", () => {
    const hub = hubs[0]!;
    expect(replicasOf(hub.service, {})).toBe(1);
    expect(replicasOf(hub.service, { QNET_HUBS: "3" })).toBe(3);
    for (const config of configsOf(hub.service, { QNET_HUBS: "3" })) expect([config.QNET_HUBS, config.QNET_STORE]).toEqual([3, "postgres"]);
    expect(() => configsOf(hub.service, { QNET_HUBS: "3", QNET_STORE: "memory" })).toThrow(
      /QNET_HUBS: 3 hub replicas need QNET_STORE=postgres/,
    );
    // `npm run cluster` names the replicas as compose names their containers.
    const local = localProcesses(compose, { QNET_HUBS: "3" });
    expect(local.filter((p) => p.of === "hub").map((p) => p.name)).toEqual(["hub-1", "hub-2", "hub-3"]);
    expect(
      localProcesses(compose, {})
        .filter((p) => p.of === "hub")
        .map((p) => p.name),
    ).toEqual(["hub"]);
    expect(local.filter((p) => p.of !== "hub").map((p) => p.name)).toEqual(qnet.filter((s) => s.name !== "hub").map((s) => s.name));
  });

  it("publishes the balancer's port, which sends to the hub replicas on the port they listen on, and starts nothing before the services it needs are healthy", () => {
    const hub = hubs[0]!;
    const [config] = configsOf(hub.service);
    const balancer = compose.services.haproxy!;
    const layout = balancerLayout(readFileSync(BALANCER_CONFIG, "utf8"));
    expect(balancer.volumes).toContain(`./cluster/haproxy.cfg:${BALANCER_CONFIG_TARGET}:ro`);
    expect(publishedAddress(balancer, layout.bindPort, (v) => interpolate(v, {}))).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(publishedAddress(balancer, layout.bindPort, (v) => interpolate(v, { QNET_HTTP_PORT: "9000" }))).toEqual({
      host: "127.0.0.1",
      port: 9000,
    });
    expect(layout.template).toEqual({ host: "hub", port: config!.QNET_HTTP_PORT, slots: MAX_HUBS });
    // Only the balancer is published: replicas would contend for one host port.
    expect(hub.service.ports).toEqual([]);
    expect(balancer.depends_on).toEqual({ hub: { condition: "service_healthy" } });
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(compose.services, `${name} depends on ${dependency}`).toHaveProperty(dependency);
        if (oneShotNames(compose).includes(dependency)) {
          expect(condition, `${name} waits for ${dependency} to finish`).toBe("service_completed_successfully");
        } else {
          expect(condition).toBe("service_healthy");
          expect(compose.services[dependency]!.healthcheck, `${dependency} has a healthcheck`).toBeDefined();
        }
      }
    }
    for (const n of processes)
      expect(Object.keys(n.service.depends_on ?? {})).toEqual(expect.arrayContaining(["broker-users", "rabbitmq", "nats"]));
    // The setup makes RabbitMQ's users through its management API, and the NATS server loads what it writes.
    expect(Object.keys(setups[0]!.service.depends_on ?? {})).toEqual(["rabbitmq"]);
    expect(compose.services.nats!.depends_on).toEqual({ "broker-users": { condition: "service_completed_successfully" } });
  });
});

describe("docker-compose.yml with broker auth (docs/trust.md)", () => {
  const auth = brokerAuthVariables(compose, SECRET, {});
  const setup = setups[0]!;
  const userinfo = (url: string) => {
    const u = new URL(url);
    return { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) };
  };

  it("gives every process only its own broker user, in AMQP_URL and NATS_USER/NATS_PASS alike, and every value parses", () => {
    const network = networkCredentials({
      prefix: "qnet",
      nodeIds: hubs.flatMap((h) => configsOf(h.service)[0]!.QNET_NODES),
      secret: SECRET,
    });
    const passwords = new Set([network.hub.pass, ...[...network.nodes.values()].map((c) => c.pass)]);
    for (const { name, entry, service } of processes) {
      for (const transport of sharedBrokerNames()) {
        for (const config of configsOf(service, { ...auth, QNET_TRANSPORT: transport })) {
          const own = entry === "hub/main.ts" ? network.hub : network.nodes.get(requireNodeId(config))!;
          expect(userinfo(config.AMQP_URL), name).toEqual(own);
          expect({ user: config.NATS_USER, pass: config.NATS_PASS }, name).toEqual(own);
          if (entry === "hub/main.ts") expect(own.user).toBe(hubBrokerUser(config.QNET_PREFIX));
          else expect(nodeIdOfBrokerUser(own.user)).toBe(config.QNET_NODE_ID);
          const others = Object.values(containerEnvironment(service, auth)).filter((v) =>
            [...passwords].some((p) => p !== own.pass && v.includes(p)),
          );
          expect(others, `${name} sees no other process's password`).toEqual([]);
        }
      }
    }
  });

  it("runs the setup with auth on for exactly the hub's network, through RabbitMQ's management API, writing into the volume NATS includes", () => {
    const [hub] = configsOf(hubs[0]!.service, auth);
    const inContainer = containerEnvironment(setup.service, auth);
    const env = loadBrokerUsersEnv(inContainer);
    expect(env).toMatchObject({ QNET_BROKER_AUTH: "on", QNET_BROKER_SECRET: SECRET, QNET_SKIP_RABBITMQ: "0" });
    expect(new URL(env.QNET_RABBITMQ_MANAGEMENT_URL!).hostname).toBe("rabbitmq");
    const config = loadConfig(inContainer);
    expect([config.QNET_PREFIX, config.QNET_NODES]).toEqual([hub!.QNET_PREFIX, hub!.QNET_NODES]);

    // nats -c /etc/nats/qnet.conf, whose include lies in a named volume the setup writes the same file into.
    const nats = compose.services.nats!;
    expect(nats.command?.slice(0, 2)).toEqual(["-c", "/etc/nats/qnet.conf"]);
    const mountsOf = (s: ComposeService) => s.volumes.map((v) => v.split(":") as [string, string, string?]);
    expect(mountsOf(nats)).toContainEqual(["./cluster/nats.conf", "/etc/nats/qnet.conf", "ro"]);
    const included = /^include "([^"]+)"$/m.exec(readFileSync(join(REPO_ROOT, "cluster/nats.conf"), "utf8"))?.[1];
    const inNats = posix.join("/etc/nats", included!);
    const natsMount = mountsOf(nats).find(([source, target]) => !source.startsWith(".") && inNats.startsWith(`${target}/`))!;
    expect(natsMount, `${inNats} lies in a named volume`).toBeDefined();
    const setupMount = mountsOf(setup.service).find(([source]) => source === natsMount[0])!;
    expect(setupMount, `broker-users mounts ${natsMount[0]}`).toBeDefined();
    expect(posix.relative(setupMount[1], env.QNET_NATS_AUTH_FILE)).toBe(posix.relative(natsMount[1], inNats));
    expect(compose.volumes).toHaveProperty(natsMount[0]);
  });

  it("names the users after QNET_PREFIX, as the processes do", () => {
    const renamed = brokerAuthVariables(compose, SECRET, { QNET_PREFIX: "ward7" });
    for (const n of nodes) {
      const [config] = configsOf(n.service, { ...renamed, QNET_PREFIX: "ward7" });
      expect(config!.NATS_USER).toBe(nodeBrokerUser("ward7", requireNodeId(config!)));
    }
  });

  it("without the auth variables: every process is guest on RabbitMQ and anonymous on NATS, and the setup leaves NATS open", () => {
    for (const { service } of processes) {
      for (const config of configsOf(service)) {
        expect(userinfo(config.AMQP_URL)).toEqual({ user: "guest", pass: "guest" });
        expect([config.NATS_USER, config.NATS_PASS]).toEqual([undefined, undefined]);
      }
    }
    expect(loadBrokerUsersEnv(containerEnvironment(setup.service, {})).QNET_BROKER_AUTH).toBe("off");
  });
});

const run = promisify(execFile);

/** The Compose Specification's JSON schema, as dclint ships it (draft-07, named by its https address). */
function composeSpecValidator() {
  const require = createRequire(import.meta.url);
  const schema = JSON.parse(readFileSync(join(dirname(require.resolve("dclint/package.json")), "schemas", "compose.schema.json"), "utf8"));
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  ajv.addMetaSchema({ ...require("ajv/dist/refs/json-schema-draft-07.json"), $id: schema.$schema });
  return ajv.compile(schema);
}

/** Every string of a document interpolated as compose does before it checks the file against the specification. */
function interpolated(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === "string") return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolated(v, env));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolated(v, env)]));
  return value;
}

// No Docker engine is needed: `docker compose config` only reads, interpolates and checks the file.
const dockerCompose = await run("docker", ["compose", "version"]).then(
  () => true,
  () => false,
);
if (!dockerCompose) console.warn('SKIPPING "docker compose config": no docker CLI with the compose plugin on this machine');

describe("docker-compose.yml against the Compose Specification", () => {
  const validate = composeSpecValidator();

  it("is valid by the specification's JSON schema, as written and interpolated, with and without broker auth", () => {
    const document = readComposeDocument();
    for (const env of [{}, { QNET_TRANSPORT: "nats", QNET_API_TOKENS: "a-token-of-16-chars" }, brokerAuthVariables(compose, SECRET, {})]) {
      expect(validate(interpolated(document, env)), JSON.stringify(validate.errors, null, 2)).toBe(true);
    }
  });

  it("is a schema that finds a misspelt key and a wrong condition", () => {
    const document = readComposeDocument() as { services: Record<string, Record<string, unknown>> };
    document.services.hub!.healthcheck = { ...(document.services.hub!.healthcheck as object), intervall: "5s" };
    document.services["hospital-a"]!.depends_on = { hub: { condition: "healthy" } };
    expect(validate(document)).toBe(false);
    const where = validate.errors?.map((e) => `${e.instancePath} ${e.message}`);
    expect(where).toContain("/services/hub/healthcheck must NOT have additional properties");
    expect(where).toContain("/services/hospital-a/depends_on/hub/condition must be equal to one of the allowed values");
  });

  it("reads as compose reads it: merge keys resolved, a number in the environment as its text", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qnet-compose-"));
    try {
      const file = join(dir, "compose.yml");
      writeFileSync(
        file,
        ["x-env: &env", "  A: one", "services:", "  s:", "    image: i", "    environment:", "      <<: *env", "      B: 5000", ""].join(
          "\n",
        ),
      );
      expect(readCompose(file).services.s!.environment).toEqual({ A: "one", B: "5000" });
      writeFileSync(file, "services:\n  s:\n    image: i\n   command: [x]\n");
      expect(() => readCompose(file)).toThrow(/compose\.yml: not YAML compose can read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.runIf(dockerCompose)("docker compose config accepts it, and resolves the same services", async () => {
    const { stdout } = await run("docker", ["compose", "-f", join(REPO_ROOT, "docker-compose.yml"), "config", "--format", "json"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    });
    const resolved = JSON.parse(stdout) as { services: Record<string, { environment?: Record<string, string | null> }> };
    expect(Object.keys(resolved.services).sort()).toEqual(Object.keys(compose.services).sort());
    for (const [name, service] of Object.entries(compose.services)) {
      expect(resolved.services[name]!.environment ?? {}, name).toEqual(containerEnvironment(service, {}));
    }
  });
});

describe("compose interpolation and the move to this machine", () => {
  it("interpolates the forms compose knows", () => {
    expect(interpolate("${A:-x}", {})).toBe("x");
    expect(interpolate("${A:-x}", { A: "" })).toBe("x");
    expect(interpolate("${A-x}", { A: "" })).toBe("");
    expect(interpolate("${A:-x}", { A: "nats" })).toBe("nats");
    expect(interpolate("$${A}-${B}", { A: "no", B: "b" })).toBe("${A}-b");
  });

  it("moves only hosts of infrastructure services, never a database or user of the same name", () => {
    const service = {
      environment: {
        DATABASE_URL: "postgres://postgres@postgres:5432/postgres",
        NATS_URL: "nats://nats:4222,nats://elsewhere:4222",
        HOST: "0.0.0.0",
      },
      volumes: [],
      ports: [],
    };
    expect(localEnvironment(service, {}, placement)).toEqual({
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
      NATS_URL: "nats://127.0.0.1:4222,nats://elsewhere:4222",
      HOST: "127.0.0.1",
    });
  });

  it("moves an infrastructure service to the address the launcher gives it (its own nats-server)", () => {
    const service = { environment: { NATS_URL: "nats://nats:4222", AMQP_URL: "amqp://u:p@rabbitmq:5672/" }, volumes: [], ports: [] };
    expect(localEnvironment(service, {}, { ...placement, addresses: { nats: "127.0.0.1:40001" } })).toEqual({
      NATS_URL: "nats://127.0.0.1:40001",
      AMQP_URL: "amqp://u:p@127.0.0.1:5672/",
    });
  });

  it("reads a service that runs something else as infrastructure", () => {
    expect(entryOf({ command: ["node", "dist/hub/main.js", "--flag"], environment: {}, volumes: [], ports: [] })).toBeUndefined();
    expect(entryOf({ command: ["node", "dist/../etc/x.js"], environment: {}, volumes: [], ports: [] })).toBeUndefined();
    expect(entryOf({ command: ["node", "dist/node-agent/main.js"], environment: {}, volumes: [], ports: [] })).toBe("node-agent/main.ts");
  });
});
