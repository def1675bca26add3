import type { Clock } from "../../ports/clock.ts";
import type { Random } from "../../ports/random.ts";
import { MemoryBroker } from "./broker.ts";
import type { FaultPlan } from "./faults.ts";

export {
  type BrokerDelivery,
  type BrokerStats,
  ConnectionClosedError,
  type ConnectionHandle,
  DeliveryNotHeldError,
  MemoryBroker,
  type MemoryBrokerOptions,
  type OutgoingMessage,
  type QueueCounters,
  type QueuedMessage,
  type QueueInfo,
  type QueueOptions,
  UnknownQueueError,
} from "./broker.ts";
export {
  FaultInjector,
  type FaultPlan,
  FaultPlanSchema,
  type FaultSpec,
  FaultSpecSchema,
  InvalidFaultPlanError,
  type TransitFate,
} from "./faults.ts";
export {
  DEFAULT_DELIVERY_LIMIT,
  DEFAULT_PREFETCH,
  type MemoryNames,
  MemoryTransport,
  type MemoryTransportOptions,
  memoryNames,
} from "./memoryTransport.ts";

/**
 * The one broker every participant of a process-in-one network shares; give each participant
 * its own `new MemoryTransport(broker, { prefix })`.
 */
export function createMemoryBroker(options: { clock: Clock; random: Random; faults?: FaultPlan }): MemoryBroker {
  return new MemoryBroker(options);
}
