import { silentLogger } from "../shared/log.ts";
import type { Transport } from "../shared/ports/transport.ts";
import { SERVICES } from "../shared/testing/services.ts";
import { connectAmqp, connectNats, deleteAmqpPrefix, deleteNatsPrefix } from "../shared/transport/mod.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { systemClock } from "../shared/time/systemClock.ts";

export type BrokerName = "amqp" | "nats";
export const BROKERS: readonly BrokerName[] = ["amqp", "nats"];

/** A prefix no other bench run or test shares, so runs on one broker never meet. */
export function benchPrefix(label: string): string {
  return `bench${process.pid.toString(36)}${Date.now().toString(36)}-${label}`.toLowerCase().replace(/[^a-z0-9_-]/g, "-");
}

export function connectBroker(broker: BrokerName, prefix: string, prefetch: number, name: string): Promise<Transport> {
  const common = { prefix, clock: systemClock, random: new SeededRandom(name), log: silentLogger, prefetch, connectionName: name };
  return broker === "amqp" ? connectAmqp({ url: SERVICES.amqp.url, ...common }) : connectNats({ url: SERVICES.nats.url, ...common });
}

/** Removes every queue, exchange or stream of a prefix. */
export async function deleteBrokerPrefix(broker: BrokerName, prefix: string, nodeIds: readonly string[]): Promise<void> {
  if (broker === "amqp") await deleteAmqpPrefix(SERVICES.amqp.url, prefix, nodeIds);
  else await deleteNatsPrefix(SERVICES.nats.url, prefix);
}

/** Publishes bodies with at most `window` unconfirmed at a time; resolves when the broker holds them all. */
export async function publishAll(
  transport: Transport,
  messages: readonly { nodeId: string; messageId: string; body: Uint8Array }[],
  window = 500,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < messages.length) {
      const m = messages[next++] as (typeof messages)[number];
      await transport.publish({ to: "hub", kind: "result", nodeId: m.nodeId }, m.body, { messageId: m.messageId });
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
}
