import { natsNames, userInboxPrefix } from "../shared/transport/nats/mod.ts";
import type { NetworkCredentials } from "./credentials.ts";

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
}

/**
 * What a node may do on NATS (PROTOCOL.md section 5), found by running a node-agent under it:
 * publish its own results and heartbeats, and dead letters; read the three streams' info (its
 * declare checks they exist; the hub creates them); pull from, ack on and, if missing, create its
 * own durable consumer, with its own filter subject pinned in the create subject; receive replies
 * in its own inboxes only, and its own consumer's max-deliveries advisory. The same for its control
 * consumer, from which its process takes its live faults (`<p>.control.<id>`).
 */
export function nodePermissions(prefix: string, nodeId: string, user: string): NatsPermissions {
  const n = natsNames(prefix);
  const consumer = `${n.queriesStream}.${n.nodeConsumer(nodeId)}`;
  const control = `${n.controlStream}.${n.controlConsumer(nodeId)}`;
  return {
    publish: [
      `${prefix}.result.${nodeId}`,
      `${prefix}.heartbeat.${nodeId}`,
      `${prefix}.dead.>`,
      "$JS.API.INFO",
      ...[n.queriesStream, n.resultsStream, n.deadStream, n.controlStream].map((s) => `$JS.API.STREAM.INFO.${s}`),
      ...[
        [consumer, n.nodeSubject(nodeId)],
        [control, n.controlSubject(nodeId)],
      ].flatMap(([c, subject]) => [
        `$JS.API.CONSUMER.INFO.${c}`,
        `$JS.API.CONSUMER.CREATE.${c}.${subject}`,
        `$JS.API.CONSUMER.MSG.NEXT.${c}`,
        `$JS.ACK.${c}.>`,
      ]),
    ],
    subscribe: [
      `${userInboxPrefix(user)}.>`,
      `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${consumer}`,
      `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${control}`,
    ],
  };
}

const quoted = (s: string) => JSON.stringify(s);
const list = (xs: string[]) => `[${xs.map(quoted).join(", ")}]`;

/**
 * The `authorization` block of a nats-server configuration for one network: the hub with full
 * rights, each node with nodePermissions. Include it in the server's config (or use natsServerConfig).
 */
export function natsAuthorization(credentials: NetworkCredentials): string {
  const users = [
    `    { user: ${quoted(credentials.hub.user)}, password: ${quoted(credentials.hub.pass)}, permissions: { publish: ">", subscribe: ">" } }`,
    ...[...credentials.nodes].map(([nodeId, c]) => {
      const p = nodePermissions(credentials.prefix, nodeId, c.user);
      return `    { user: ${quoted(c.user)}, password: ${quoted(c.pass)}, permissions: { publish: { allow: ${list(p.publish)} }, subscribe: { allow: ${list(p.subscribe)} } } }`;
    }),
  ];
  return `authorization {\n  users: [\n${users.join("\n")}\n  ]\n}\n`;
}

/**
 * A whole nats-server configuration: the network's users, JetStream on. Without storeDir the
 * store directory comes from the command line (`nats-server -c <file> -js -sd <dir>`), which
 * refuses a second one in the file.
 */
export function natsServerConfig(credentials: NetworkCredentials, options: { storeDir?: string; port?: number } = {}): string {
  const port = options.port === undefined ? "" : `port: ${options.port}\n`;
  const jetstream = options.storeDir === undefined ? "jetstream: enabled\n" : `jetstream { store_dir: ${quoted(options.storeDir)} }\n`;
  return `${port}${jetstream}${natsAuthorization(credentials)}`;
}
