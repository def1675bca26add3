import { loadConfig } from "../shared/config.ts";
import { silentLogger } from "../shared/log.ts";
import type { Transport } from "../shared/ports/transport.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import { brokerEntry, sharedBrokerNames } from "../shared/transport/mod.ts";

/** A broker the bench measures: one that processes share, as the hub and the nodes of a real network do. */
export type BrokerName = string;
export const BROKERS: readonly BrokerName[] = sharedBrokerNames();

/** A prefix no other bench run or test shares, so runs on one broker never meet. */
export function benchPrefix(label: string): string {
  return `bench${process.pid.toString(36)}${Date.now().toString(36)}-${label}`.toLowerCase().replace(/[^a-z0-9_-]/g, "-");
}

/** A connection to the broker at the address the environment gives (AMQP_URL, NATS_URL, ...), or its default. */
export function connectBroker(broker: BrokerName, prefix: string, prefetch: number, name: string): Promise<Transport> {
  const connection = { prefix, clock: systemClock, random: new SeededRandom(name), log: silentLogger, prefetch, connectionName: name };
  return brokerEntry(broker).connect(loadConfig(), connection);
}

/** Removes every queue, exchange or stream of a prefix. */
export function deleteBrokerPrefix(broker: BrokerName, prefix: string, nodeIds: readonly string[]): Promise<void> {
  return brokerEntry(broker).deletePrefix(loadConfig(), prefix, nodeIds);
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
