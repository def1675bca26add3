import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { NetworkCredentials } from "./credentials.ts";

const run = promisify(execFile);

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
 * - bind and consume (read) its own queue, bound from `<p>.queries` by `query.<id>` only.
 * Binding `<p>.dead` needs read on that exchange, and RabbitMQ permissions name resources without
 * their kind, so the same grant lets a node read the dead queue: see docs/trust.md.
 */
export function nodeGrant(prefix: string, nodeId: string, user: string): RabbitGrant {
  const p = dots(prefix);
  const own = `${p}\\.node\\.${nodeId}`;
  return {
    user,
    configure: `^(${p}\\.queries|${p}\\.results|${p}\\.dead|${own})$`,
    write: `^(${p}\\.results|${p}\\.dead|${own})$`,
    read: `^(${p}\\.queries|${p}\\.dead|${own})$`,
    topics: [
      { exchange: `${prefix}.results`, write: `^(result|heartbeat)\\.${nodeId}$`, read: "^$" },
      { exchange: `${prefix}.queries`, write: "^$", read: `^query\\.${nodeId}$` },
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

async function rabbitmqctl(args: string[]): Promise<void> {
  try {
    await run("rabbitmqctl", ["--quiet", ...args]);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`rabbitmqctl ${args[0]} failed: ${(e.stderr || e.message).trim()}`);
  }
}

/** Creates (or updates) every user of a network on the local RabbitMQ with rabbitmqctl. */
export async function createRabbitUsers(credentials: NetworkCredentials, vhost = "/"): Promise<void> {
  const passwords = new Map([
    [credentials.hub.user, credentials.hub.pass],
    ...[...credentials.nodes.values()].map((c) => [c.user, c.pass] as const),
  ]);
  for (const grant of networkGrants(credentials)) {
    const pass = passwords.get(grant.user) as string;
    try {
      await rabbitmqctl(["add_user", grant.user, pass]);
    } catch (err) {
      if (!/already exists|user_already_exists/i.test((err as Error).message)) throw err;
      await rabbitmqctl(["change_password", grant.user, pass]);
    }
    await rabbitmqctl(["set_permissions", "-p", vhost, grant.user, grant.configure, grant.write, grant.read]);
    await rabbitmqctl(["clear_topic_permissions", "-p", vhost, grant.user]);
    for (const t of grant.topics) await rabbitmqctl(["set_topic_permissions", "-p", vhost, grant.user, t.exchange, t.write, t.read]);
  }
}

/** Deletes a network's users (tests, teardown); a user already gone is fine. */
export async function deleteRabbitUsers(credentials: NetworkCredentials): Promise<void> {
  for (const user of [credentials.hub.user, ...[...credentials.nodes.values()].map((c) => c.user)]) {
    await rabbitmqctl(["delete_user", user]).catch((err: Error) => {
      if (!/no_such_user|does not exist/i.test(err.message)) throw err;
    });
  }
}
