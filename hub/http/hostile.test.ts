import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../shared/log.ts";
import { MAX_MESSAGE_BYTES } from "../../shared/protocol/messages.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import { SeededRandom } from "../../shared/time/seededRandom.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { createMemoryBroker, MemoryTransport } from "../../shared/transport/memory/mod.ts";
import { type Hub, startHub } from "../hub.ts";

const VALID = { definition: { panels: [{ concepts: ["dx:E11.9"] }] } };

describe("the HTTP API under hostile requests", () => {
  let hub: Hub;
  let transport: MemoryTransport;
  let accepted = 0;

  const post = (payload: string | Buffer, contentType = "application/json") =>
    hub.api.inject({ method: "POST", url: "/api/queries", headers: { "content-type": contentType }, payload });

  beforeAll(async () => {
    transport = new MemoryTransport(createMemoryBroker({ clock: systemClock, random: new SeededRandom("http-broker") }), {
      prefix: "http",
    });
    hub = await startHub({
      transport,
      store: new MemoryStore({ clock: systemClock }),
      clock: systemClock,
      random: new SeededRandom("http-hostile"),
      log: silentLogger,
      nodeIds: ["site-a", "site-b"],
      resultTimeoutMs: 3600_000,
      heartbeatMs: 3600_000,
      prefetch: 64,
    });
  });

  afterAll(async () => {
    await hub.stop();
    await transport.close();
  });

  it("answers bodies that are not JSON with 400, other media types with 400 or 415", async () => {
    for (const body of ["{", "not json", '{"definition": NaN}', '{"definition": Infinity}', "\u0000", "[1,2", "{'a':1}"]) {
      expect((await post(body)).statusCode, body).toBe(400);
    }
    expect((await post(Buffer.from([0xff, 0xfe, 0x00, 0x7b]))).statusCode).toBe(400);
    expect((await post("definition=x", "application/x-www-form-urlencoded")).statusCode).toBe(415);
    // Fastify reads text/plain as a string, which is not a submission.
    expect((await post(JSON.stringify(VALID), "text/plain")).statusCode).toBe(400);
  });

  it("answers an oversized body with 413", async () => {
    const big = JSON.stringify({ ...VALID, researcherId: "x".repeat(MAX_MESSAGE_BYTES) });
    expect((await post(big)).statusCode).toBe(413);
  });

  it("answers wrong types, unknown fields and unknown nodes with 400 and the issues", async () => {
    const bodies: unknown[] = [
      null,
      [],
      "a string",
      42,
      { definition: "all the patients" },
      { definition: { panels: "x" } },
      { definition: { panels: [] } },
      { definition: { panels: [{ concepts: [42] }] } },
      { ...VALID, researcherId: 7 },
      { ...VALID, researcherId: "a\u0000b" },
      { ...VALID, nodeIds: "site-a" },
      { ...VALID, nodeIds: ["../site-a"] },
      { ...VALID, nodeIds: ["site-z"] },
      { ...VALID, isAdmin: true },
      { ...VALID, __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } },
      { definition: { ...VALID.definition, age: { min: -5 } } },
      { definition: { ...VALID.definition, sex: "X" } },
      { definition: { ...VALID.definition, sexx: "F" } },
      { definition: { panels: [{ concepts: ["dx:E11.9"], nott: true }] } },
      { definition: { ...VALID.definition, breakdown: ["sex"] } },
      { definition: { ...VALID.definition, breakdowns: ["income"] } },
      { definition: { ...VALID.definition, breakdowns: ["age", "age"] } },
      { definition: { ...VALID.definition, breakdowns: "sex" } },
    ];
    for (const body of bodies) {
      const res = await post(JSON.stringify(body));
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toHaveProperty("error");
    }
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it("never fails with a 5xx on generated bodies", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ definition: fc.jsonValue(), researcherId: fc.jsonValue(), nodeIds: fc.jsonValue() }, { requiredKeys: [] }),
          fc.record({ definition: fc.record({ panels: fc.array(fc.record({ concepts: fc.array(fc.string()), not: fc.jsonValue() })) }) }),
        ),
        async (body) => {
          const res = await post(JSON.stringify(body) ?? "null");
          expect([202, 400]).toContain(res.statusCode);
          if (res.statusCode === 202) accepted++;
        },
      ),
      { numRuns: 400, seed: 20261125 },
    );
  });

  it("answers path injection in ids with 400 or 404 (414 when too long for a route parameter), never 500", async () => {
    const ids = [
      "..%2F..%2Fetc%2Fpasswd",
      "..%2F..%2Fetc",
      "%2e%2e%2f%2e%2e%2f",
      "%00",
      "abc%00def",
      "x".repeat(10_000),
      "%E0%A4%A",
      "%C0%AF",
      "'%20OR%201%3D1--",
      "00000000-0000-4000-8000-000000000000",
      "00000000-0000-4000-8000-000000000000%00",
    ];
    for (const id of ids) {
      for (const url of [`/api/queries/${id}`, `/api/queries/${id}/history`]) {
        const res = await hub.api.inject({ method: "GET", url });
        expect([400, 404, 414], url.slice(0, 80)).toContain(res.statusCode);
      }
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", minLength: 1, maxLength: 300 }), async (raw) => {
        const res = await hub.api.inject({ method: "GET", url: `/api/queries/${encodeURIComponent(raw)}` });
        expect([400, 404, 414]).toContain(res.statusCode);
      }),
      { numRuns: 300, seed: 20261126 },
    );
    const list = await hub.api.inject({ method: "GET", url: "/api/queries?limit=-1&offset=abc" });
    expect(list.statusCode).toBe(400);
  });

  it("stays up and serves honest requests afterwards", async () => {
    expect((await hub.api.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    const res = await post(JSON.stringify(VALID));
    expect(res.statusCode).toBe(202);
    accepted++;
    const { id } = res.json() as { id: string };
    expect((await hub.api.inject({ method: "GET", url: `/api/queries/${id}` })).statusCode).toBe(200);
    // Only what the API accepted became a query.
    expect(hub.view.queryIds().length).toBe(accepted);
  });
});
