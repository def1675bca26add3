import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_NODES, DEFAULT_SITES, loadConfig, siteProfile } from "./config.ts";

describe("configuration from the environment", () => {
  it("has the defaults of PROTOCOL.md section 7", () => {
    const c = loadConfig({});
    expect(c.QNET_TRANSPORT).toBe("memory");
    expect(c.QNET_STORE).toBe("memory");
    expect(c.QNET_PREFIX).toBe("qnet");
    expect(c.QNET_NODES).toEqual(DEFAULT_NODES);
    expect(c.QNET_RESULT_TIMEOUT_MS).toBe(300000);
    expect(c.QNET_HTTP_PORT).toBe(8080);
    expect(c.AMQP_URL).toBe("amqp://guest:guest@127.0.0.1:5672");
  });

  it("names the variable that is wrong", () => {
    expect(() => loadConfig({ QNET_TRANSPORT: "kafka" })).toThrow(/QNET_TRANSPORT: must be memory, amqp or nats/);
    expect(() => loadConfig({ QNET_RESULT_TIMEOUT_MS: "soon" })).toThrow(/QNET_RESULT_TIMEOUT_MS: must be a whole number/);
    expect(() => loadConfig({ QNET_NODES: "a,B" })).toThrow(/QNET_NODES: each node id must match/);
    expect(() => loadConfig({ QNET_STORE: "mysql" })).toThrow(ConfigError);
    expect(() => loadConfig({ QNET_HTTP_PORT: "70000" })).toThrow(/QNET_HTTP_PORT: must be <= 65535/);
  });

  it("runs hub replicas only on the store they all reach, PostgreSQL", () => {
    expect(loadConfig({}).QNET_HUBS).toBe(1);
    expect(loadConfig({ QNET_HUBS: "3", QNET_STORE: "postgres" }).QNET_HUBS).toBe(3);
    expect(() => loadConfig({ QNET_HUBS: "3" })).toThrow(/QNET_HUBS: 3 hub replicas need QNET_STORE=postgres.*\(not memory\)$/);
    expect(() => loadConfig({ QNET_HUBS: "2", QNET_STORE: "pglite:/tmp/q" })).toThrow(/QNET_HUBS: .*\(not pglite:\/tmp\/q\)$/);
    expect(() => loadConfig({ QNET_HUBS: "0", QNET_STORE: "postgres" })).toThrow(/QNET_HUBS: must be >= 1/);
    expect(() => loadConfig({ QNET_HUBS: "17", QNET_STORE: "postgres" })).toThrow(/QNET_HUBS: must be <= 16/);
  });

  it("reads lists and treats an empty variable as unset", () => {
    const c = loadConfig({ QNET_NODES: "x-1, y-2", QNET_STORE: "pglite:/tmp/q", QNET_PREFIX: "" });
    expect(c.QNET_NODES).toEqual(["x-1", "y-2"]);
    expect(c.QNET_STORE).toBe("pglite:/tmp/q");
    expect(c.QNET_PREFIX).toBe("qnet");
  });
});

describe("API access", () => {
  it("refuses a non-loopback address without tokens", async () => {
    const { requireApiAccess } = await import("./config.ts");
    expect(() => requireApiAccess(loadConfig({ QNET_HTTP_HOST: "0.0.0.0" }))).toThrow(/QNET_API_TOKENS: required/);
    expect(() => requireApiAccess(loadConfig({ QNET_HTTP_HOST: "0.0.0.0", QNET_API_TOKENS: "a-very-long-token-123" }))).not.toThrow();
    expect(() => requireApiAccess(loadConfig({ QNET_HTTP_HOST: "127.0.0.1" }))).not.toThrow();
  });
});

describe("the demo network's sites", () => {
  it("gives each default hospital its profile from the one table, and other node ids the table's profiles in turn", () => {
    expect(DEFAULT_NODES.map((nodeId, i) => siteProfile(nodeId, i))).toEqual(DEFAULT_SITES.map((s) => s.profile));
    expect(siteProfile("hospital-e", 0)).toBe("flaky");
    expect(["x", "y", "z", "w", "v", "u"].map((nodeId, i) => siteProfile(nodeId, i))).toEqual([
      "fast",
      "steady",
      "slow",
      "busy",
      "flaky",
      "fast",
    ]);
  });
});
