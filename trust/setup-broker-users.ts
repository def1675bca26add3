/**
 * Creates one network's broker users: `tsx trust/setup-broker-users.ts`. Reads QNET_PREFIX,
 * QNET_NODES and QNET_BROKER_SECRET (at least 16 characters; passwords are derived from it),
 * creates the hub's and every node's user on the local RabbitMQ with rabbitmqctl, writes the
 * NATS authorization to QNET_NATS_AUTH_FILE (default nats-auth.conf), and prints each
 * process's broker environment.
 */
import { writeFileSync } from "node:fs";
import { z } from "zod";
import { loadConfig } from "../shared/config.ts";
import { brokerEnv, networkCredentials } from "./credentials.ts";
import { natsAuthorization } from "./nats.ts";
import { createRabbitUsers } from "./rabbitmq.ts";

const Env = z.object({
  QNET_BROKER_SECRET: z.string().min(16, { message: "QNET_BROKER_SECRET: must be at least 16 characters" }),
  QNET_NATS_AUTH_FILE: z.string().min(1).default("nats-auth.conf"),
  QNET_SKIP_RABBITMQ: z.enum(["0", "1"]).default("0"),
});

const parsed = Env.safeParse(process.env);
if (!parsed.success) {
  process.stderr.write(`invalid configuration\n  ${parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join("\n  ")}\n`);
  process.exit(2);
}
const config = loadConfig();
const credentials = networkCredentials({ prefix: config.QNET_PREFIX, nodeIds: config.QNET_NODES, secret: parsed.data.QNET_BROKER_SECRET });
if (parsed.data.QNET_SKIP_RABBITMQ === "0") await createRabbitUsers(credentials);
writeFileSync(parsed.data.QNET_NATS_AUTH_FILE, natsAuthorization(credentials), { mode: 0o600 });
process.stdout.write(`hub: ${credentials.hub.user}\n`);
for (const [nodeId, c] of credentials.nodes) process.stdout.write(`node ${nodeId}: ${c.user}\n`);
process.stdout.write(
  `NATS authorization written to ${parsed.data.QNET_NATS_AUTH_FILE}; each process gets AMQP_URL / NATS_USER / NATS_PASS from brokerEnv(): e.g. ${Object.keys(brokerEnv(credentials.hub)).join(", ")}\n`,
);
