import amqp, { type ChannelModel } from "amqplib";
import type { Topology } from "../routing.ts";
import { type AmqpNames, amqpNames, deadQueueArguments, workQueueArguments } from "./topology.ts";

function codeOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/** Whether a queue exists, asked on a throwaway channel: the broker closes the channel when it does not. */
async function queueExists(model: ChannelModel, queue: string): Promise<boolean> {
  const ch = await model.createChannel();
  ch.on("error", () => {});
  try {
    await ch.checkQueue(queue);
    await ch.close();
    return true;
  } catch (err) {
    if (codeOf(err) === 404) return false;
    throw err;
  }
}

/**
 * Declares what a role needs (PROTOCOL.md section 5). The hub asserts everything, a queue per known
 * node included; a node asserts the exchanges it publishes to and creates its own queue only if missing,
 * so a hub configured with other queue settings is never contradicted.
 */
export async function declareTopology(model: ChannelModel, names: AmqpNames, deliveryLimit: number, topology: Topology): Promise<void> {
  const work = workQueueArguments(names, deliveryLimit);
  const ensureQueue = async (queue: string, args: Record<string, unknown>): Promise<void> => {
    if (topology.role === "node" && (await queueExists(model, queue))) return;
    const ch = await model.createChannel();
    ch.on("error", () => {});
    await ch.assertQueue(queue, { durable: true, arguments: args });
    await ch.close();
  };

  const ch = await model.createChannel();
  ch.on("error", () => {});
  await ch.assertExchange(names.queriesExchange, "topic", { durable: true });
  await ch.assertExchange(names.resultsExchange, "topic", { durable: true });
  await ch.assertExchange(names.deadExchange, "fanout", { durable: true });
  await ch.close();

  await ensureQueue(names.deadQueue, deadQueueArguments);
  const bindings: [string, string, string][] = [[names.deadQueue, names.deadExchange, ""]];
  if (topology.role === "hub") {
    await ensureQueue(names.hubQueue, work);
    bindings.push([names.hubQueue, names.resultsExchange, "result.*"], [names.hubQueue, names.resultsExchange, "heartbeat.*"]);
  }
  for (const nodeId of topology.role === "hub" ? topology.nodeIds : [topology.nodeId]) {
    await ensureQueue(names.nodeQueue(nodeId), work);
    await ensureQueue(names.controlQueue(nodeId), work);
    bindings.push(
      [names.nodeQueue(nodeId), names.queriesExchange, `query.${nodeId}`],
      [names.controlQueue(nodeId), names.queriesExchange, `control.${nodeId}`],
    );
  }
  const bind = await model.createChannel();
  bind.on("error", () => {});
  for (const [queue, exchange, key] of bindings) await bind.bindQueue(queue, exchange, key);
  await bind.close();
}

/**
 * Deletes a prefix's exchanges and queues, for test cleanup. AMQP cannot list queues, so the node
 * queues to delete are named by their node ids.
 */
export async function deleteAmqpPrefix(url: string, prefix: string, nodeIds: readonly string[]): Promise<void> {
  const names = amqpNames(prefix);
  const conn = await amqp.connect(url);
  conn.on("error", () => {});
  try {
    const ch = await conn.createChannel();
    ch.on("error", () => {});
    const nodeQueues = nodeIds.flatMap((id) => [names.nodeQueue(id), names.controlQueue(id)]);
    for (const queue of [names.hubQueue, names.deadQueue, ...nodeQueues]) await ch.deleteQueue(queue);
    for (const exchange of [names.queriesExchange, names.resultsExchange, names.deadExchange]) await ch.deleteExchange(exchange);
    await ch.close();
  } finally {
    await conn.close().catch(() => {});
  }
}
