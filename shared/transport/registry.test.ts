import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config.ts";
import { silentLogger } from "../log.ts";
import { SeededRandom } from "../time/seededRandom.ts";
import { systemClock } from "../time/systemClock.ts";
import { createTransport } from "./create.ts";
import { brokerEntry, brokerNames, registerBroker, sharedBrokerNames } from "./registry.ts";
import { stubBroker } from "./testing/stubBroker.ts";

let unregister = () => {};
afterEach(() => unregister());

describe("the broker registry", () => {
  it("lists the built-in brokers, and those processes can share", () => {
    expect(brokerNames()).toEqual(["memory", "amqp", "nats"]);
    expect(sharedBrokerNames()).toEqual(["amqp", "nats"]);
    expect(() => brokerEntry("kafka")).toThrow(/no broker named kafka: memory, amqp or nats/);
  });

  it("takes a broker registered from outside: QNET_TRANSPORT picks it, its own variable is read and validated", async () => {
    const stub = stubBroker();
    expect(() => loadConfig({ QNET_TRANSPORT: "stub" })).toThrow(/QNET_TRANSPORT: must be memory, amqp or nats/);
    unregister = registerBroker(stub.entry);

    const config = loadConfig({ QNET_TRANSPORT: "stub", STUB_URL: "stub://broker.example:7", QNET_PREFIX: "ward7" });
    expect(config.QNET_TRANSPORT).toBe("stub");
    expect(config).toMatchObject({ STUB_URL: "stub://broker.example:7" });
    expect(loadConfig({})).toMatchObject({ QNET_TRANSPORT: "memory", STUB_URL: "stub://127.0.0.1:1" });
    expect(() => loadConfig({ QNET_TRANSPORT: "stub", STUB_URL: "http://elsewhere" })).toThrow(/STUB_URL: must be a stub:\/\/ URL/);
    expect(() => loadConfig({ QNET_TRANSPORT: "kafka" })).toThrow(/QNET_TRANSPORT: must be memory, amqp, nats or stub/);

    const transport = await createTransport(config, { clock: systemClock, random: new SeededRandom("stub"), log: silentLogger });
    expect(transport.connected()).toBe(true);
    expect(stub.calls.connected).toEqual([{ url: "stub://broker.example:7", prefix: "ward7" }]);
    await transport.close();

    unregister();
    expect(brokerNames()).toEqual(["memory", "amqp", "nats"]);
  });

  it("refuses a second broker of one name, or one that claims another broker's variable", () => {
    unregister = registerBroker(stubBroker().entry);
    expect(() => registerBroker(stubBroker().entry)).toThrow(/a broker named stub is registered already/);
    expect(() => registerBroker(stubBroker("other").entry)).toThrow(/broker other: STUB_URL is broker stub's variable/);
  });
});
