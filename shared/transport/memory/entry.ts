import { defineBroker } from "../broker.ts";
import { MemoryBroker } from "./broker.ts";
import { MemoryTransport } from "./memoryTransport.ts";

/**
 * The broker in memory. A connection made through the registry is a lone participant on a broker
 * of its own; a network in one process shares one MemoryBroker and connects with
 * `new MemoryTransport(broker, ...)` instead.
 */
export const memoryEntry = defineBroker({
  name: "memory",
  variables: {},
  inProcess: true,
  deduplicates: false,
  connect: async (_settings, options) =>
    new MemoryTransport(new MemoryBroker({ clock: options.clock, random: options.random }), {
      prefix: options.prefix,
      prefetch: options.prefetch,
    }),
  // Its queues end with the process.
  deletePrefix: async () => {},
});
