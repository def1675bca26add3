import { writeFile } from "node:fs/promises";
import { z } from "zod";
import type { Config } from "../shared/config.ts";
import { networkCredentials } from "./credentials.ts";
import { natsAuthorization } from "./nats.ts";
import { createRabbitUsers } from "./rabbitmq.ts";
import { rabbitmqctlAdmin } from "./rabbitmqctl.ts";
import { managementApiAdmin } from "./rabbitmqHttp.ts";

/** What the NATS authorization file holds with auth off: nothing, so the server lets anyone in. */
export const NO_AUTHORIZATION = "# qnet broker auth is off: no authorization block, any client may connect\n";

/**
 * The setup script's own variables, beside QNET_PREFIX and QNET_NODES of the configuration schema.
 * An empty value counts as unset, as docker-compose writes an unset interpolation.
 */
export const BrokerUsersEnvSchema = z
  .object({
    QNET_BROKER_AUTH: z.enum(["on", "off"], { message: "must be on or off" }).default("on"),
    QNET_BROKER_SECRET: z.string().min(16, { message: "must be at least 16 characters" }).optional(),
    QNET_NATS_AUTH_FILE: z.string().min(1).default("nats-auth.conf"),
    QNET_SKIP_RABBITMQ: z.enum(["0", "1"], { message: "must be 0 or 1" }).default("0"),
    /** The management HTTP API with an administrator's userinfo; without it, rabbitmqctl on this machine. */
    QNET_RABBITMQ_MANAGEMENT_URL: z.url({ protocol: /^https?$/, message: "must be an http:// or https:// URL" }).optional(),
  })
  .refine((env) => env.QNET_BROKER_AUTH === "off" || env.QNET_BROKER_SECRET !== undefined, {
    message: "required when QNET_BROKER_AUTH=on",
    path: ["QNET_BROKER_SECRET"],
  });
export type BrokerUsersEnv = z.infer<typeof BrokerUsersEnvSchema>;

/** Reads the setup script's variables; a bad value throws, naming the variable. */
export function loadBrokerUsersEnv(env: Record<string, string | undefined>): BrokerUsersEnv {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = BrokerUsersEnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new Error(`invalid configuration\n  ${parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join("\n  ")}`);
  }
  return parsed.data;
}

/**
 * Sets a network's broker users up: with auth on, the hub's and every node's RabbitMQ user (through
 * the management API when its URL is given, else rabbitmqctl) and the NATS authorization file; with
 * auth off, an authorization file that lets anyone in, so a server that includes it runs open.
 * Returns the users made, hub first.
 */
export async function setUpBrokerUsers(env: BrokerUsersEnv, config: Pick<Config, "QNET_PREFIX" | "QNET_NODES">): Promise<string[]> {
  if (env.QNET_BROKER_AUTH === "off") {
    await writeFile(env.QNET_NATS_AUTH_FILE, NO_AUTHORIZATION);
    return [];
  }
  const credentials = networkCredentials({
    prefix: config.QNET_PREFIX,
    nodeIds: config.QNET_NODES,
    secret: env.QNET_BROKER_SECRET as string,
  });
  if (env.QNET_SKIP_RABBITMQ === "0") {
    const url = env.QNET_RABBITMQ_MANAGEMENT_URL;
    await createRabbitUsers(credentials, url ? managementApiAdmin(url) : rabbitmqctlAdmin());
  }
  await writeFile(env.QNET_NATS_AUTH_FILE, natsAuthorization(credentials), { mode: 0o600 });
  return [credentials.hub.user, ...[...credentials.nodes.values()].map((c) => c.user)];
}
