import { z } from "zod";
import { HUB_POLICIES } from "./apply/policy.ts";
import { NODE_ID_PATTERN } from "./protocol/ids.ts";
import { type BuiltInBrokerSettings, brokerName, brokerVariables } from "./transport/mod.ts";

export const NODE_PROFILES = ["fast", "steady", "slow", "flaky", "busy"] as const;
export type NodeProfileName = (typeof NODE_PROFILES)[number];

/**
 * The five hospitals of the demo network and the latency profile each runs: `npm start` gives them
 * these, and docker-compose.yml (so `npm run cluster`) sets the same, which a test checks.
 */
export const DEFAULT_SITES: readonly { readonly nodeId: string; readonly profile: NodeProfileName }[] = [
  { nodeId: "hospital-a", profile: "fast" },
  { nodeId: "hospital-b", profile: "steady" },
  { nodeId: "hospital-c", profile: "slow" },
  { nodeId: "hospital-d", profile: "busy" },
  { nodeId: "hospital-e", profile: "flaky" },
];
export const DEFAULT_NODES = DEFAULT_SITES.map((site) => site.nodeId);

/** The profile of a hospital: its own in DEFAULT_SITES, else the table's profiles in turn by its place in the list. */
export function siteProfile(nodeId: string, index: number): NodeProfileName {
  const own = DEFAULT_SITES.find((site) => site.nodeId === nodeId);
  return (own ?? DEFAULT_SITES[index % DEFAULT_SITES.length]!).profile;
}

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: "must be a whole number" })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, { message: `must be >= ${min}` })
        .max(max, { message: `must be <= ${max}` }),
    );

const positiveDecimal = (max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, { message: "must be a decimal number such as 0.1" })
    .transform(Number)
    .pipe(
      z
        .number()
        .positive({ message: "must be above 0" })
        .max(max, { message: `must be <= ${max}` }),
    );

/** A comma-separated list, blanks dropped, then checked by `items`. */
const commaList = <T extends z.ZodType<unknown, string[]>>(items: T) =>
  z
    .string()
    .transform((s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(items);

const nodeList = commaList(
  z
    .array(z.string().regex(NODE_ID_PATTERN, { message: "each node id must match ^[a-z0-9][a-z0-9-]{0,62}$" }))
    .min(1, { message: "must name at least one node" })
    .refine((ids) => new Set(ids).size === ids.length, { message: "must not repeat a node id" }),
);

const storeSpec = z.string().refine((s) => s === "memory" || s === "postgres" || /^pglite:.+/.test(s), {
  message: "must be memory, postgres or pglite:<dir>",
});

/** The most hub replicas one network runs (the balancer's configuration has a slot for each). */
export const MAX_HUBS = 16;

/** The environment of PROTOCOL.md section 7 beside the broker: read the same way by every process. */
const PROCESS_VARIABLES = {
  QNET_STORE: storeSpec.default("memory"),
  /** versioned (PROTOCOL.md section 3), or naive: a demonstration hub that applies proposals with no version check. */
  QNET_POLICY: z.enum(HUB_POLICIES, { message: `must be ${HUB_POLICIES.join(" or ")}` }).default("versioned"),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, message: "must be a postgres:// URL" })
    .default("postgres://postgres@127.0.0.1:5432/postgres"),
  QNET_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: "must be a lower-case SQL identifier" })
    .default("qnet"),
  QNET_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, { message: "must match ^[a-z0-9][a-z0-9_-]{0,39}$" })
    .default("qnet"),
  QNET_NODE_ID: z.string().regex(NODE_ID_PATTERN, { message: "must match ^[a-z0-9][a-z0-9-]{0,62}$" }).optional(),
  QNET_NODES: nodeList.default(DEFAULT_NODES),
  QNET_NODE_PROFILE: z.enum(NODE_PROFILES, { message: `must be one of ${NODE_PROFILES.join(", ")}` }).default("steady"),
  QNET_NODE_POPULATION: int(10, 10_000_000).default(20_000),
  QNET_NODE_SEED: z.string().min(1).max(200).optional(),
  QNET_NODE_STATE_DIR: z.string().min(1).optional(),
  /** Multiplies every latency of the node's profile: 0.1 runs a site ten times faster (tests, demos). */
  QNET_NODE_TIME_SCALE: positiveDecimal(100).default(1),
  QNET_RESULT_TIMEOUT_MS: int(100, 7 * 24 * 3600_000).default(300_000),
  QNET_HEARTBEAT_MS: int(100, 3600_000).default(5_000),
  /** Attempts at the first broker connection before a process gives up and exits non-zero. */
  QNET_CONNECT_RETRIES: int(0, 1000).default(10),
  QNET_PREFETCH: int(1, 10_000).default(256),
  /** How many hub replicas share this hub's prefix and store; more than one needs a store every replica reaches. */
  QNET_HUBS: int(1, MAX_HUBS).default(1),
  QNET_HTTP_HOST: z.string().min(1).default("127.0.0.1"),
  QNET_HTTP_PORT: int(0, 65535).default(8080),
  QNET_API_TOKENS: commaList(
    z
      .array(z.string().min(16, { message: "each token must be at least 16 characters" }))
      .min(1, { message: "must hold at least one token" }),
  ).optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { message: "must be a pino level" }).default("info"),
  /** json or pretty; unset, logs are readable on a terminal and JSON lines anywhere else. */
  LOG_FORMAT: z.enum(["json", "pretty"], { message: "must be json or pretty" }).optional(),
};

/**
 * The whole environment: QNET_TRANSPORT names a broker of the registry, whose every broker's
 * variables are read beside the process variables. Built when asked, so it knows the brokers
 * registered so far.
 */
export function envSchema() {
  return z.object({ QNET_TRANSPORT: brokerName.default("memory"), ...brokerVariables(), ...PROCESS_VARIABLES }).superRefine((env, ctx) => {
    // The memory store and PGlite live inside one process: a second replica would see another store.
    if (env.QNET_HUBS > 1 && env.QNET_STORE !== "postgres")
      ctx.addIssue({
        code: "custom",
        path: ["QNET_HUBS"],
        message: `${env.QNET_HUBS} hub replicas need QNET_STORE=postgres, the one store they all reach (not ${env.QNET_STORE})`,
      });
  });
}

export type Config = z.output<z.ZodObject<typeof PROCESS_VARIABLES>> & { QNET_TRANSPORT: string } & BuiltInBrokerSettings;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Reads the configuration from an environment; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means unset, as docker-compose writes "VAR=" for an unset interpolation.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema().safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${String(i.path[0] ?? "environment")}: ${i.message}`);
    throw new ConfigError(`invalid configuration\n  ${lines.join("\n  ")}`);
  }
  return parsed.data as Config;
}

/** A node-agent needs its id. */
export function requireNodeId(config: Config): string {
  if (!config.QNET_NODE_ID) throw new ConfigError("invalid configuration\n  QNET_NODE_ID: required for a node-agent");
  return config.QNET_NODE_ID;
}

/** Whether the HTTP host is a loopback address, where the API needs no credentials. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The address a client on this machine reaches the API at, listening on host and port: an API on
 * all interfaces is reached on loopback.
 */
export function localApiUrl(host: string, port: number): string {
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}`;
}

/** Off loopback the API needs bearer tokens: the hub refuses to start without them. */
export function requireApiAccess(config: Config): void {
  if (!isLoopback(config.QNET_HTTP_HOST) && !config.QNET_API_TOKENS) {
    throw new ConfigError(
      `invalid configuration\n  QNET_API_TOKENS: required when QNET_HTTP_HOST (${config.QNET_HTTP_HOST}) is not a loopback address`,
    );
  }
}
