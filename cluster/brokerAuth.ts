import { loadConfig } from "../shared/config.ts";
import { type NetworkCredentials, networkCredentials } from "../trust/credentials.ts";
import { type ComposeFile, type ComposeService, containerEnvironment, qnetServices } from "./compose.ts";

/** The script the compose file's broker users service runs. */
export const BROKER_USERS_ENTRY = "trust/setup-broker-users.ts";

const VARIABLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*):-\}$/;

/**
 * The compose variables that carry a service's own broker credential: those its NATS_USER and
 * NATS_PASS are (`${QNET_BROKER_USER_HUB:-}`), which its AMQP_URL's userinfo uses too.
 */
export function credentialVariables(service: ComposeService): { user: string; pass: string } | undefined {
  const user = VARIABLE.exec(service.environment.NATS_USER ?? "")?.[1];
  const pass = VARIABLE.exec(service.environment.NATS_PASS ?? "")?.[1];
  return user && pass ? { user, pass } : undefined;
}

/** The network whose users the broker users service creates, from its prefix and node list, with passwords from `secret`. */
export function brokerNetwork(compose: ComposeFile, secret: string, env: Record<string, string | undefined>): NetworkCredentials {
  const setup = qnetServices(compose).find((s) => s.entry === BROKER_USERS_ENTRY);
  if (!setup) throw new Error(`no service runs ${BROKER_USERS_ENTRY}: broker auth needs the broker users service`);
  const config = loadConfig(containerEnvironment(setup.service, env));
  return networkCredentials({ prefix: config.QNET_PREFIX, nodeIds: config.QNET_NODES, secret });
}

/**
 * The compose variables that turn broker auth on: QNET_BROKER_AUTH and QNET_BROKER_SECRET for the
 * broker users service, and for every process only its own user and password, so no process can
 * derive another's. `docker compose` reads them from an env file (cluster/broker-auth-env.ts writes
 * one); `npm run cluster -- --auth` interpolates with them.
 */
export function brokerAuthVariables(compose: ComposeFile, secret: string, env: Record<string, string | undefined>): Record<string, string> {
  const network = brokerNetwork(compose, secret, env);
  const out: Record<string, string> = { QNET_BROKER_AUTH: "on", QNET_BROKER_SECRET: secret };
  for (const { name, entry, service } of qnetServices(compose)) {
    const vars = credentialVariables(service);
    if (!vars) continue;
    const config = loadConfig(containerEnvironment(service, env));
    if (config.QNET_PREFIX !== network.prefix)
      throw new Error(`${name}: prefix ${config.QNET_PREFIX}, but the broker users are for ${network.prefix}`);
    const nodeId = config.QNET_NODE_ID;
    const credential = entry === "hub/main.ts" ? network.hub : nodeId === undefined ? undefined : network.nodes.get(nodeId);
    if (!credential) throw new Error(`${name}: no user of the network the broker users service sets up speaks for it (node ${nodeId})`);
    out[vars.user] = credential.user;
    out[vars.pass] = credential.pass;
  }
  return out;
}
