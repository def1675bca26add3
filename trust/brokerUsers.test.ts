import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadBrokerUsersEnv, NO_AUTHORIZATION, setUpBrokerUsers } from "./brokerUsers.ts";
import { networkCredentials } from "./credentials.ts";
import { natsAuthorization } from "./nats.ts";

describe("the broker users setup", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const network = { QNET_PREFIX: "net1", QNET_NODES: ["site-a", "site-b"] };

  it("needs the secret with auth on, and reads empty values as unset, as compose writes them", () => {
    expect(() => loadBrokerUsersEnv({})).toThrow(/QNET_BROKER_SECRET: required when QNET_BROKER_AUTH=on/);
    expect(() => loadBrokerUsersEnv({ QNET_BROKER_SECRET: "short" })).toThrow(/QNET_BROKER_SECRET: must be at least 16/);
    expect(() => loadBrokerUsersEnv({ QNET_BROKER_AUTH: "yes" })).toThrow(/QNET_BROKER_AUTH: must be on or off/);
    expect(() => loadBrokerUsersEnv({ QNET_BROKER_AUTH: "off", QNET_RABBITMQ_MANAGEMENT_URL: "amqp://x" })).toThrow(
      /QNET_RABBITMQ_MANAGEMENT_URL: must be an http/,
    );
    expect(loadBrokerUsersEnv({ QNET_BROKER_AUTH: "off", QNET_BROKER_SECRET: "" }).QNET_BROKER_SECRET).toBeUndefined();
  });

  it("with auth off makes nobody and writes an authorization file that leaves the NATS server open", async () => {
    dir = await mkdtemp(join(tmpdir(), "qnet-users-"));
    const file = join(dir, "authorization.conf");
    expect(await setUpBrokerUsers(loadBrokerUsersEnv({ QNET_BROKER_AUTH: "off", QNET_NATS_AUTH_FILE: file }), network)).toEqual([]);
    expect(await readFile(file, "utf8")).toBe(NO_AUTHORIZATION);
  });

  it("with auth on writes the network's NATS users, from the secret", async () => {
    dir = await mkdtemp(join(tmpdir(), "qnet-users-"));
    const file = join(dir, "authorization.conf");
    const secret = "setup-test-secret-0123456789";
    const env = loadBrokerUsersEnv({ QNET_BROKER_SECRET: secret, QNET_NATS_AUTH_FILE: file, QNET_SKIP_RABBITMQ: "1" });
    expect(await setUpBrokerUsers(env, network)).toEqual(["net1.hub", "net1.node.site-a", "net1.node.site-b"]);
    const expected = natsAuthorization(networkCredentials({ prefix: "net1", nodeIds: network.QNET_NODES, secret }));
    expect(await readFile(file, "utf8")).toBe(expected);
  });
});

describe("derived broker passwords", () => {
  it("are hex, so none starts with '-', which rabbitmqctl would read as an option", () => {
    for (let i = 0; i < 200; i++) {
      const credentials = networkCredentials({ prefix: `p${i}`, nodeIds: ["hospital-a", "hospital-b"], secret: `secret-of-network-${i}` });
      for (const c of [credentials.hub, ...credentials.nodes.values()]) expect(c.pass).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});
