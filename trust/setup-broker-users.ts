/**
 * Sets one network's broker users up: `tsx trust/setup-broker-users.ts` (in the image,
 * `node dist/trust/setup-broker-users.js`, docker-compose's broker-users service). Reads QNET_PREFIX
 * and QNET_NODES, and QNET_BROKER_AUTH (on by default), QNET_BROKER_SECRET (16+ characters; every
 * password is derived from it), QNET_NATS_AUTH_FILE (default nats-auth.conf), QNET_SKIP_RABBITMQ and
 * QNET_RABBITMQ_MANAGEMENT_URL (the management HTTP API; without it, rabbitmqctl on this machine).
 * With auth on it creates the hub's and every node's RabbitMQ user and writes the NATS authorization;
 * with auth off it writes an authorization file that lets anyone in and creates nobody.
 */
import { loadConfig } from "../shared/config.ts";
import { loadBrokerUsersEnv, setUpBrokerUsers } from "./brokerUsers.ts";

try {
  const env = loadBrokerUsersEnv(process.env);
  const users = await setUpBrokerUsers(env, loadConfig());
  if (users.length === 0) process.stdout.write(`broker auth off: ${env.QNET_NATS_AUTH_FILE} lets any client in; no users made\n`);
  for (const user of users) process.stdout.write(`broker user ${user}\n`);
  if (users.length > 0) {
    const rabbit =
      env.QNET_SKIP_RABBITMQ === "1"
        ? "RabbitMQ skipped"
        : `RabbitMQ by ${env.QNET_RABBITMQ_MANAGEMENT_URL ? "management API" : "rabbitmqctl"}`;
    process.stdout.write(`broker auth on: ${users.length} users (${rabbit}); NATS authorization in ${env.QNET_NATS_AUTH_FILE}\n`);
  }
} catch (err) {
  process.stderr.write(`setup-broker-users: ${(err as Error).message}\n`);
  process.exit(1);
}
