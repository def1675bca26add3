import { SeededRandom } from "../../time/seededRandom.ts";
import { systemClock } from "../../time/systemClock.ts";
import { transportConformance } from "../conformance.ts";
import { MemoryTransport } from "./memoryTransport.ts";
import { createMemoryBroker } from "./mod.ts";

// One broker for the whole suite, as one process shares one: the cases meet only through it.
const broker = createMemoryBroker({ clock: systemClock, random: new SeededRandom("memory-conformance") });

transportConformance("memory", {
  make: async (prefix, options) => new MemoryTransport(broker, { prefix, deliveryLimit: options?.deliveryLimit }),
});
