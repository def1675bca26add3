import { describe, expect, it } from "vitest";
import { VirtualClock } from "../time/virtualClock.ts";
import { MemoryStore } from "./memory.ts";
import { createStore } from "./create.ts";

describe("createStore", () => {
  const clock = new VirtualClock();

  it("makes the memory store for QNET_STORE=memory", async () => {
    const store = await createStore("memory", { clock });
    expect(store).toBeInstanceOf(MemoryStore);
  });

  it("refuses a spec it does not know, saying what it expects", async () => {
    await expect(createStore("pglite:", { clock })).rejects.toThrow("must be memory, postgres or pglite:<dir>");
    await expect(createStore("sqlite", { clock })).rejects.toThrow('invalid store "sqlite"');
  });

  it("refuses a schema name that is not a plain identifier", async () => {
    await expect(createStore("postgres", { clock, schema: "qnet; DROP TABLE x" })).rejects.toThrow("invalid store schema");
  });
});
