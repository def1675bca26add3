import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../shared/config.ts";
import { ProcessPool } from "./testing/processes.ts";
import { registerBroker } from "../shared/transport/mod.ts";
import { stubBroker } from "../shared/transport/testing/stubBroker.ts";
import { clusterBroker } from "./broker.ts";
import { containerEnvironment, infrastructureNames, localEnvironment, oneShotNames, qnetServices, readCompose } from "./compose.ts";
import { localBrokerAuth } from "./localAuth.ts";
import { TestNetwork } from "./testing/network.ts";

const compose = readCompose();
const processes = qnetServices(compose).filter((s) => !oneShotNames(compose).includes(s.name));
const placement = { infrastructure: infrastructureNames(compose), volumeDir: (v: string) => `/state/${v}` };

const stub = stubBroker();
let unregister = () => {};
beforeEach(() => {
  unregister = registerBroker(stub.entry);
});
afterEach(() => unregister());

describe("a broker registered beside the built-in ones, in the cluster", () => {
  it("is the broker of the compose file's processes when QNET_TRANSPORT names it, with its own variable read by each", () => {
    expect(clusterBroker(processes, {})).toBe("amqp");
    expect(clusterBroker(processes, { QNET_TRANSPORT: "stub" })).toBe("stub");
    for (const { service } of processes) {
      for (const env of [
        containerEnvironment(service, { QNET_TRANSPORT: "stub" }),
        localEnvironment(service, { QNET_TRANSPORT: "stub" }, placement),
      ])
        expect(loadConfig(env)).toMatchObject({ QNET_TRANSPORT: "stub", STUB_URL: "stub://127.0.0.1:1" });
    }
    expect(() => clusterBroker(processes, { QNET_TRANSPORT: "memory" })).toThrow(
      /lives inside one process; separate processes need amqp, nats or stub/,
    );
    expect(() => clusterBroker(processes, { QNET_TRANSPORT: "kafka" })).toThrow(/QNET_TRANSPORT: must be memory, amqp, nats or stub/);
  });

  it("gives a test network's processes its variables, and deletes the network's prefix through it", async () => {
    const network = new TestNetwork(new ProcessPool(), {
      transport: "stub",
      prefix: "t-stub",
      nodeIds: ["site-a", "site-b"],
      brokerEnv: { STUB_URL: "stub://broker.example:9" },
    });
    await network.cleanUp();
    expect(stub.calls.deleted).toEqual([{ url: "stub://broker.example:9", prefix: "t-stub", nodeIds: ["site-a", "site-b"] }]);
  });

  it("runs without --auth only: per-process users are the broker's own permission model, which the launcher knows for RabbitMQ and NATS", async () => {
    const context = {
      compose,
      secret: "a-secret-of-sixteen-chars",
      interpolation: {},
      placement,
      managementUrl: undefined,
      natsServerBinary: "nats-server",
      write: () => {},
    };
    expect(() => localBrokerAuth("stub", context)).toThrow(/--auth: per-process users are set up on amqp or nats only, not on stub/);
    const nats = await localBrokerAuth("nats", context);
    const env: Record<string, string> = { QNET_RABBITMQ_MANAGEMENT_URL: "http://guest:guest@127.0.0.1:15672" };
    nats.setupEnvironment(env);
    expect(env).toEqual({ QNET_SKIP_RABBITMQ: "1" });
  });
});
