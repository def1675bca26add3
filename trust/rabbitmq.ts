import type { NetworkCredentials } from "./credentials.ts";
import { rabbitmqctlAdmin } from "./rabbitmqctl.ts";

/** One user's rights on a vhost: resource regexes, and routing-key regexes per topic exchange. */
export interface RabbitGrant {
  user: string;
  configure: string;
  write: string;
  read: string;
  topics: { exchange: string; write: string; read: string }[];
}

const dots = (s: string) => s.replace(/\./g, "\\.");

/**
 * What a node may do on RabbitMQ (PROTOCOL.md section 5), nothing more:
 * - declare (configure) the three exchanges and its own queue, as its declare() does;
 * - publish (write) to `<p>.results`, with routing keys `result.<id>` / `heartbeat.<id>` only (topic
 *   permission), and to `<p>.dead` (a node dead-letters run-queries it cannot use);
 * - bind and consume (read) its own queue, bound from `<p>.queries` by `query.<id>` only, and its own
 *   control queue (`<p>.control.<id>`, its live faults), bound from there by `control.<id>` only.
 * Binding `<p>.dead` needs read on that exchange, and RabbitMQ permissions name resources without
 * their kind, so the same grant lets a node read the dead queue: see docs/trust.md.
 */
export function nodeGrant(prefix: string, nodeId: string, user: string): RabbitGrant {
  const p = dots(prefix);
  const own = `${p}\\.(node|control)\\.${nodeId}`;
  return {
    user,
    configure: `^(${p}\\.queries|${p}\\.results|${p}\\.dead|${own})$`,
    write: `^(${p}\\.results|${p}\\.dead|${own})$`,
    read: `^(${p}\\.queries|${p}\\.dead|${own})$`,
    topics: [
      { exchange: `${prefix}.results`, write: `^(result|heartbeat)\\.${nodeId}$`, read: "^$" },
      { exchange: `${prefix}.queries`, write: "^$", read: `^(query|control)\\.${nodeId}$` },
    ],
  };
}

/** The hub declares, publishes and reads everything of its network, and nothing of another's. */
export function hubGrant(prefix: string, user: string): RabbitGrant {
  const mine = `^${dots(prefix)}\\.`;
  return { user, configure: mine, write: mine, read: mine, topics: [] };
}

export function networkGrants(credentials: NetworkCredentials): RabbitGrant[] {
  return [
    hubGrant(credentials.prefix, credentials.hub.user),
    ...[...credentials.nodes].map(([nodeId, c]) => nodeGrant(credentials.prefix, nodeId, c.user)),
  ];
}

/**
 * The few user operations a network's setup needs, done either by rabbitmqctl on the broker's own
 * machine (trust/rabbitmqctl.ts) or through the management HTTP API from anywhere on the network
 * (trust/rabbitmqHttp.ts), as docker-compose's setup container does.
 */
export interface RabbitUserAdmin {
  /** Creates the user, or sets its password if it exists; no tags, so it cannot administer. */
  putUser(user: string, pass: string): Promise<void>;
  /** Sets the grant's permissions on the vhost and makes its topic permissions exactly the grant's. */
  grant(vhost: string, grant: RabbitGrant): Promise<void>;
  /** Deletes the user; a user already gone is fine. */
  deleteUser(user: string): Promise<void>;
}

/** Creates (or updates) every user of a network, by default on the local RabbitMQ with rabbitmqctl. */
export async function createRabbitUsers(
  credentials: NetworkCredentials,
  admin: RabbitUserAdmin = rabbitmqctlAdmin(),
  vhost = "/",
): Promise<void> {
  const passwords = new Map([
    [credentials.hub.user, credentials.hub.pass],
    ...[...credentials.nodes.values()].map((c) => [c.user, c.pass] as const),
  ]);
  for (const grant of networkGrants(credentials)) {
    await admin.putUser(grant.user, passwords.get(grant.user) as string);
    await admin.grant(vhost, grant);
  }
}

/** Deletes a network's users (tests, teardown); a user already gone is fine. */
export async function deleteRabbitUsers(credentials: NetworkCredentials, admin: RabbitUserAdmin = rabbitmqctlAdmin()): Promise<void> {
  for (const user of [credentials.hub.user, ...[...credentials.nodes.values()].map((c) => c.user)]) await admin.deleteUser(user);
}
