import { createHmac } from "node:crypto";
import { hubBrokerUser, nodeBrokerUser } from "./identity.ts";

export interface BrokerCredential {
  user: string;
  pass: string;
}

export interface NetworkCredentials {
  prefix: string;
  hub: BrokerCredential;
  nodes: ReadonlyMap<string, BrokerCredential>;
}

/**
 * Every broker user of one network, with passwords derived from one secret: whoever holds the
 * secret (the operator's setup script, docker-compose, the cluster launcher) can hand each process
 * its own credential without a password file, and no node learns another's password from its own.
 */
export function networkCredentials(options: { prefix: string; nodeIds: readonly string[]; secret: string }): NetworkCredentials {
  if (options.secret.length < 16) throw new Error("the broker secret must be at least 16 characters");
  // Hex, not base64url: a password starting with "-" reads as an option to rabbitmqctl.
  const pass = (user: string) => createHmac("sha256", options.secret).update(user).digest("hex");
  const hubUser = hubBrokerUser(options.prefix);
  return {
    prefix: options.prefix,
    hub: { user: hubUser, pass: pass(hubUser) },
    nodes: new Map(
      options.nodeIds.map((nodeId) => {
        const user = nodeBrokerUser(options.prefix, nodeId);
        return [nodeId, { user, pass: pass(user) }];
      }),
    ),
  };
}

/**
 * The environment (PROTOCOL.md section 7) that connects one process as its own broker user: AMQP_URL
 * carries the user in its userinfo, NATS_USER/NATS_PASS are read by the NATS transport.
 */
export function brokerEnv(
  credential: BrokerCredential,
  brokers: { amqpHost?: string; natsUrl?: string } = {},
): { AMQP_URL: string; NATS_USER: string; NATS_PASS: string } {
  const host = brokers.amqpHost ?? "127.0.0.1:5672";
  return {
    AMQP_URL: `amqp://${encodeURIComponent(credential.user)}:${encodeURIComponent(credential.pass)}@${host}`,
    NATS_USER: credential.user,
    NATS_PASS: credential.pass,
  };
}
