import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SeededRandom } from "../../shared/time/seededRandom.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { banner, TOKEN_PLACEHOLDER } from "./banner.ts";
import { EmbeddedNetwork } from "./network.ts";

const TOKEN = "a-token-of-at-least-16-chars";
const URL_ = "http://127.0.0.1:8080";

/** The request a printed curl line makes: its method, path, headers and body (single-quoted arguments, as the banner writes them). */
function curlRequest(text: string) {
  const line = text.split("\n").find((l) => l.includes("curl "));
  if (!line) throw new Error(`no curl line in:\n${text}`);
  const args = [...line.slice(line.indexOf("curl ")).matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? (m[2] as string));
  const request = { method: "GET", url: "", headers: {} as Record<string, string>, payload: "" };
  for (let i = 1; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "-X") request.method = args[++i] as string;
    else if (arg === "-H") {
      const [name, ...value] = (args[++i] as string).split(":");
      request.headers[(name as string).toLowerCase()] = value.join(":").trim();
    } else if (arg === "-d") request.payload = args[++i] as string;
    else request.url = new URL(arg).pathname;
  }
  return request;
}

describe("the npm start banner", () => {
  let open: EmbeddedNetwork;
  let guarded: EmbeddedNetwork;
  const start = (tokens?: string[]) =>
    EmbeddedNetwork.start({
      clock: new VirtualClock(),
      random: new SeededRandom(3),
      nodes: [{ nodeId: "site-1", profile: "fast" }],
      tokens,
    });
  beforeAll(async () => {
    open = await start();
    guarded = await start([TOKEN]);
  });
  afterAll(async () => {
    await open.stop();
    await guarded.stop();
  });

  it("names the dashboard page", () => {
    const text = banner({ hospitals: 5, store: "memory", url: URL_, tokensRequired: false });
    expect(text).toMatch(/^ {2}dashboard +http:\/\/127\.0\.0\.1:8080\/$/m);
  });

  it("without tokens: its curl line submits a query as printed", async () => {
    const request = curlRequest(banner({ hospitals: 1, store: "memory", url: URL_, tokensRequired: false }));
    expect(request.headers).not.toHaveProperty("authorization");
    expect((await open.hub.api.inject(request)).statusCode).toBe(202);
  });

  it("with tokens: its curl line carries the bearer header, with a placeholder rather than the token, and submits with a token put in", async () => {
    const text = banner({ hospitals: 1, store: "memory", url: URL_, tokensRequired: true });
    expect(text).toContain(`${TOKEN_PLACEHOLDER}: one of QNET_API_TOKENS`);
    const request = curlRequest(text);
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN_PLACEHOLDER}`);
    const withToken = { ...request, headers: { ...request.headers, authorization: `Bearer ${TOKEN}` } };
    expect((await guarded.hub.api.inject(withToken)).statusCode).toBe(202);
    // What the line printed before the header was there: refused.
    const { authorization: _, ...without } = request.headers;
    expect((await guarded.hub.api.inject({ ...request, headers: without })).statusCode).toBe(401);
  });
});
