import { VirtualClock } from "../time/virtualClock.ts";
import { storeContract } from "./contract.ts";
import { MemoryStore } from "./memory.ts";

storeContract("memory", async () => ({ store: new MemoryStore({ clock: new VirtualClock() }), cleanup: async () => {} }));
