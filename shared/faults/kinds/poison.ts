import { z } from "zod";
import type { Random } from "../../ports/random.ts";
import { window } from "../fields.ts";
import { type FaultedNetwork, defineFault } from "../kind.ts";

export const POISONED = "poison published";

/**
 * Garbage on the hub's route, `count` messages spread over the window, each as if from a node.
 * With `forge`, well-formed messages that only the hub's edge or the store's admission can tell
 * apart from a node's own: another site's result (by the sender's route, or by the other site's
 * route under the sender's broker user), a status only the hub sets, a heartbeat on the result
 * route, a stranger's result for a query the hub never sent it. With `sharedUser` as well, the
 * forger publishes as the development user every site shares on a broker without per-node users
 * (a foreign node there), which speaks for no node: only the route and the message tell. With
 * `heartbeats` instead, a site's heartbeat route carries a heartbeat in a stranger's name: refused
 * at the edge, on the hub queue's copy and on each replica's own, so no replica hears the stranger.
 */
export const poison = defineFault({
  schema: z.strictObject({
    kind: z.literal("poison"),
    ...window,
    count: z.number().int().min(1).max(1_000),
    forge: z.boolean().optional(),
    sharedUser: z.boolean().optional(),
    heartbeats: z.boolean().optional(),
  }),
  counts: [POISONED],
  describe: () => ({ label: "poison" }),
  shots: (f) => f.count,
  inject: async (f, network) => {
    if (f.heartbeats) return forgeHeartbeat(network);
    if (f.forge) return forge(network, f.sharedUser === true);
    const nodeId = network.random.pick(network.nodeIds);
    const body = poisonBody(network.random, nodeId, network.knownQueryId());
    network.faulted(nodeId, POISONED);
    const connection = await network.connectionAs(nodeId);
    // The messageId is drawn once the connection is there, after every draw above.
    const messageId = network.random.uuid();
    // Garbage in the node's name is a forgery too: the hub must dead-letter it. It is known by the
    // delivery's messageId, or by the one its body names when the body decodes.
    network.forged(messageId);
    const carried = carriedMessageId(body);
    if (carried !== undefined) network.forged(carried);
    await connection.publish({ to: "hub", kind: "result", nodeId }, body, { messageId });
  },
});

/**
 * Garbage for the hub's route, as a broken or hostile node might send it: each variant must be
 * dead-lettered with a reason and leave the good messages around it untouched.
 */
export function poisonBody(random: Random, nodeId: string, knownQueryId: string | undefined): Uint8Array {
  const at = "2026-01-01T00:00:00.000Z";
  const versionInfo = { protocolVersion: 1, itemVersion: 3, createDate: at, changeDate: at };
  const queryId = random.uuid();
  const variants: unknown[] = [
    "{not json",
    "[1,2,3]",
    { type: "launch-missiles", messageId: random.uuid(), sentAt: at },
    { type: "result-update", messageId: random.uuid(), sentAt: at, nodeId, result: { id: "x", status: "completed" } },
    // Well formed, but for a query nobody asked.
    {
      type: "result-update",
      messageId: random.uuid(),
      sentAt: at,
      nodeId,
      result: { id: `${queryId}:${nodeId}`, queryId, nodeId, versionInfo, status: "completed", count: 1_000_000 },
    },
    // A real query, but the body names another node than the route it came by.
    ...(knownQueryId
      ? [
          {
            type: "result-update",
            messageId: random.uuid(),
            sentAt: at,
            nodeId: "impostor",
            result: {
              id: `${knownQueryId}:impostor`,
              queryId: knownQueryId,
              nodeId: "impostor",
              versionInfo,
              status: "completed",
              count: 5,
            },
          },
        ]
      : []),
    { type: "result-update", messageId: random.uuid(), sentAt: at, nodeId, result: { ...versionInfo, protocolVersion: 99 } },
  ];
  const v = random.pick(variants);
  return Buffer.from(typeof v === "string" ? v : JSON.stringify(v));
}

/** The messageId a body names, when it is a JSON object that names one as a string. */
function carriedMessageId(body: Uint8Array): string | undefined {
  try {
    const id = (JSON.parse(Buffer.from(body).toString("utf8")) as { messageId?: unknown } | null)?.messageId;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

/** A node id the network does not have: a stranger that publishes on a route of its own, in its own name. */
export const STRANGER = "unlisted-site";

/**
 * One forged message, published by one site (or a stranger) as if it were a node's own, for a
 * query the hub sent out: the hub's edge or the store's admission must refuse it, since the store
 * would take most of them. A message on another site's route, in that site's name, is told apart
 * by the broker user alone, so it is forged only where each node publishes as its own user, and
 * not under the shared user (`sharedUser`), with which a site is its own route.
 */
async function forge(network: FaultedNetwork, sharedUser: boolean): Promise<void> {
  const queryId = network.knownQueryId();
  if (queryId === undefined) return;
  const nodeId = network.random.pick(network.nodeIds);
  const others = network.nodeIds.filter((n) => n !== nodeId);
  // Another site's result needs another site: with one, only the variants of one site.
  const variant = network.random.int(0, 5);
  const other = others.length > 0 ? network.random.pick(others) : nodeId;
  const messageId = network.random.uuid();
  const at = new Date(network.clock.now()).toISOString();
  // High enough to become current: were it stored, it would show.
  const versionInfo = { protocolVersion: 1, itemVersion: 40, createDate: at, changeDate: at };
  const result = (of: string, status: string) => ({
    id: `${queryId}:${of}`,
    queryId,
    nodeId: of,
    versionInfo,
    status,
    ...(status === "completed" ? { count: 4_242 } : {}),
  });
  const update = (name: string, of: string, status = "completed") => ({
    type: "result-update",
    messageId,
    sentAt: at,
    nodeId: name,
    result: result(of, status),
  });
  const forgeries: { sender: string; route: string; body: unknown; when: boolean }[] = [
    // Another site's result, in that site's name, by this site's route.
    { sender: nodeId, route: nodeId, body: update(other, other), when: others.length > 0 },
    // Another site's result, in this site's name.
    { sender: nodeId, route: nodeId, body: update(nodeId, other), when: others.length > 0 },
    // A status only the hub sets.
    { sender: nodeId, route: nodeId, body: update(nodeId, nodeId, "timedOut"), when: true },
    // A heartbeat on the result route.
    { sender: nodeId, route: nodeId, body: { type: "node-heartbeat", messageId, sentAt: at, nodeId, activeQueries: 0 }, when: true },
    // Another site's result, in that site's name, on that site's route, by this site's broker user.
    { sender: nodeId, route: other, body: update(other, other), when: others.length > 0 && network.nodeUsers && !sharedUser },
    // A result of a query the hub never sent to this node: a stranger's, on its own route, in its own name.
    { sender: STRANGER, route: STRANGER, body: update(STRANGER, STRANGER), when: true },
  ];
  // A variant the network cannot show falls back to one it always can.
  const forgery = forgeries[variant]?.when ? forgeries[variant] : (forgeries[2] as (typeof forgeries)[number]);
  network.faulted(forgery.sender, POISONED);
  network.forged(messageId);
  const body = Buffer.from(JSON.stringify(forgery.body));
  const connection = sharedUser ? network.sharedUserConnection() : network.connectionAs(forgery.sender);
  await (await connection).publish({ to: "hub", kind: "result", nodeId: forgery.route }, body, { messageId });
}

/** A heartbeat in the stranger's name, published by one site on its own heartbeat route. */
async function forgeHeartbeat(network: FaultedNetwork): Promise<void> {
  const nodeId = network.random.pick(network.nodeIds);
  const messageId = network.random.uuid();
  const body = {
    type: "node-heartbeat",
    messageId,
    sentAt: new Date(network.clock.now()).toISOString(),
    nodeId: STRANGER,
    activeQueries: 0,
  };
  network.faulted(nodeId, POISONED);
  network.forged(messageId);
  const connection = await network.connectionAs(nodeId);
  await connection.publish({ to: "hub", kind: "heartbeat", nodeId }, Buffer.from(JSON.stringify(body)), { messageId });
}
