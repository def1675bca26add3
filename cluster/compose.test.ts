// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are compose interpolations, not templates
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EnvSchema, loadConfig, NODE_PROFILES, requireNodeId } from "../shared/config.ts";
import {
  type ComposeService,
  entryOf,
  parseFlowYaml,
  infrastructureNames,
  interpolate,
  localEnvironment,
  qnetServices,
  REPO_ROOT,
  readCompose,
} from "./compose.ts";

const compose = readCompose();
const qnet = qnetServices(compose);
const infrastructure = infrastructureNames(compose);
const placement = { infrastructure, volumeDir: (v: string) => `/state/${v}` };
const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const hubs = qnet.filter((s) => s.entry === "hub/main.ts");
const nodes = qnet.filter((s) => s.entry === "node-agent/main.ts");

/** The configuration a service reads in its container, and again moved to this machine by `npm run cluster`. */
function configsOf(service: ComposeService, env: Record<string, string> = {}) {
  const inContainer = Object.fromEntries(Object.entries(service.environment).map(([k, v]) => [k, interpolate(v, env)]));
  return [loadConfig(inContainer), loadConfig(localEnvironment(service, env, placement))];
}

describe("docker-compose.yml against the configuration schema (they cannot drift)", () => {
  it("runs one hub and five hospitals of qnet's image, beside RabbitMQ, NATS and PostgreSQL", () => {
    expect(hubs).toHaveLength(1);
    expect(nodes).toHaveLength(5);
    expect(infrastructure.sort()).toEqual(["nats", "postgres", "rabbitmq"]);
  });

  it("runs only processes that exist: each command is an entry compiled by tsconfig.build.json and an npm script", () => {
    const build = JSON.parse(readFileSync(join(REPO_ROOT, "tsconfig.build.json"), "utf8")) as { include: string[] };
    for (const { name, entry, service } of qnet) {
      expect(existsSync(join(REPO_ROOT, entry)), `${name}: ${entry}`).toBe(true);
      expect(build.include, `${name}: ${entry} is compiled`).toContain(entry.split("/")[0]);
      expect(Object.values(scripts), `${name}: an npm script runs ${entry}`).toContain(`tsx ${entry}`);
      expect(service.command).toEqual(["node", `dist/${entry.replace(/\.ts$/, ".js")}`]);
    }
  });

  it("sets only variables the schema knows, and every value parses, in the container and on this machine, on both brokers", () => {
    const known = new Set(Object.keys(EnvSchema.shape));
    for (const { name, service } of qnet) {
      for (const key of Object.keys(service.environment)) expect(known.has(key), `${name}: ${key} is not in EnvSchema`).toBe(true);
      for (const transport of ["amqp", "nats"]) {
        for (const config of configsOf(service, { QNET_TRANSPORT: transport })) expect(config.QNET_TRANSPORT).toBe(transport);
      }
    }
  });

  it("switches every process between RabbitMQ and NATS by one variable, RabbitMQ by default", () => {
    for (const { service } of qnet) {
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

  it("points every process at the compose services, and `npm run cluster` at this machine's", () => {
    for (const { service } of qnet) {
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

  it("publishes the hub's API on the port it listens on, and starts nothing before the services it needs are healthy", () => {
    const hub = hubs[0]!;
    const [config] = configsOf(hub.service);
    expect(hub.service.ports.map((p) => interpolate(p, {}))).toContain(`127.0.0.1:${config!.QNET_HTTP_PORT}:${config!.QNET_HTTP_PORT}`);
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(compose.services, `${name} depends on ${dependency}`).toHaveProperty(dependency);
        expect(condition).toBe("service_healthy");
        expect(compose.services[dependency]!.healthcheck, `${dependency} has a healthcheck`).toBeDefined();
      }
    }
    for (const n of [...hubs, ...nodes])
      expect(Object.keys(n.service.depends_on ?? {})).toEqual(expect.arrayContaining(["rabbitmq", "nats"]));
  });
});

describe("compose interpolation and the move to this machine", () => {
  it("reads flow-style YAML: JSON with trailing commas, commas and brackets inside strings left alone", () => {
    expect(parseFlowYaml('{ "a": ["x,]", "y\\",}",], "b": { "c": 1, }, }')).toEqual({ a: ["x,]", 'y",}'], b: { c: 1 } });
    expect(() => parseFlowYaml("a: 1 # block style")).toThrow();
  });

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

  it("reads a service that runs something else as infrastructure", () => {
    expect(entryOf({ command: ["node", "dist/hub/main.js", "--flag"], environment: {}, volumes: [], ports: [] })).toBeUndefined();
    expect(entryOf({ command: ["node", "dist/../etc/x.js"], environment: {}, volumes: [], ports: [] })).toBeUndefined();
    expect(entryOf({ command: ["node", "dist/node-agent/main.js"], environment: {}, volumes: [], ports: [] })).toBe("node-agent/main.ts");
  });
});
