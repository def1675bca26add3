/**
 * The broker in memory: its registry entry, and for a network in one process the broker every
 * participant shares and the transport each one connects with.
 */
import type { Clock } from "../../ports/clock.ts";
import type { Random } from "../../ports/random.ts";
import { MemoryBroker } from "./broker.ts";
import type { TransitPlan } from "../../faults/mod.ts";

export { type BrokerStats, MemoryBroker, type MemoryBrokerOptions, type QueuedMessage, type QueueInfo } from "./broker.ts";
export type { TransitPlan } from "../../faults/mod.ts";
export { memoryEntry } from "./entry.ts";
export { type MemoryNames, MemoryTransport, type MemoryTransportOptions, memoryNames } from "./memoryTransport.ts";

/**
 * The one broker every participant of a process-in-one network shares; give each participant
 * its own `new MemoryTransport(broker, { prefix })`.
 */
export function createMemoryBroker(options: { clock: Clock; random: Random; faults?: TransitPlan }): MemoryBroker {
  return new MemoryBroker(options);
}
