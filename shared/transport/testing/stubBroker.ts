import { z } from "zod";
import { defineBroker } from "../broker.ts";
import { MemoryBroker } from "../memory/broker.ts";
import { MemoryTransport } from "../memory/memoryTransport.ts";

/**
 * A third broker, as someone adding one would write it, for the tests that show a broker is one
 * registry line: it has a variable of its own (STUB_URL), and its "server" is a MemoryBroker per
 * address, in this process, on the clock of its first connection. It records what it was asked.
 */
export function stubBroker(name = "stub") {
  const servers = new Map<string, MemoryBroker>();
  const calls: { connected: { url: string; prefix: string }[]; deleted: { url: string; prefix: string; nodeIds: readonly string[] }[] } = {
    connected: [],
    deleted: [],
  };
  const entry = defineBroker({
    name,
    variables: {
      STUB_URL: z.url({ protocol: /^stub$/, message: "must be a stub:// URL" }).default("stub://127.0.0.1:1"),
    },
    inProcess: false,
    deduplicates: false,
    connect: async (settings, options) => {
      calls.connected.push({ url: settings.STUB_URL, prefix: options.prefix });
      let server = servers.get(settings.STUB_URL);
      if (!server) {
        server = new MemoryBroker({ clock: options.clock, random: options.random.fork("stub-server") });
        servers.set(settings.STUB_URL, server);
      }
      return new MemoryTransport(server, { prefix: options.prefix, prefetch: options.prefetch });
    },
    deletePrefix: async (settings, prefix, nodeIds) => {
      calls.deleted.push({ url: settings.STUB_URL, prefix, nodeIds });
    },
  });
  return { entry, calls };
}
