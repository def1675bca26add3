import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../shared/config.ts";
import { liveHubOf, liveQueries } from "./live.ts";

const TOKEN = "a-token-of-at-least-16-chars";

describe("the hub npm run rebuild compares with", () => {
  it("is found from the variables the hub reads: its port, loopback for all interfaces, the first token", () => {
    expect(liveHubOf(loadConfig({}))).toEqual({ url: "http://127.0.0.1:8080" });
    expect(liveHubOf(loadConfig({ QNET_HTTP_PORT: "9137" }))).toEqual({ url: "http://127.0.0.1:9137" });
    expect(
      liveHubOf(loadConfig({ QNET_HTTP_HOST: "0.0.0.0", QNET_HTTP_PORT: "9137", QNET_API_TOKENS: `${TOKEN},another-token-0123456` })),
    ).toEqual({
      url: "http://127.0.0.1:9137",
      token: TOKEN,
    });
    expect(liveHubOf(loadConfig({ QNET_HTTP_HOST: "::" })).url).toBe("http://[::1]:8080");
  });

  it("is QNET_HUB_URL when that is set, and a bad one is named", () => {
    expect(liveHubOf(loadConfig({ QNET_HTTP_PORT: "9137" }), "https://hub.example:8443")).toEqual({ url: "https://hub.example:8443" });
    expect(() => liveHubOf(loadConfig({}), "ftp://hub")).toThrow(ConfigError);
    expect(() => liveHubOf(loadConfig({}), "ftp://hub")).toThrow(/QNET_HUB_URL: must be an http:\/\/ or https:\/\/ URL/);
  });

  it("is sent the token with every read when the hub has tokens", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      seen.push(request.headers);
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ items: [], total: 0 }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(await liveQueries({ url, token: TOKEN })).toEqual([]);
      expect(await liveQueries({ url })).toEqual([]);
      expect(seen.map((h) => h.authorization)).toEqual([`Bearer ${TOKEN}`, undefined]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
