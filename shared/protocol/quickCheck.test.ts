import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeMessage, describeIssues, Message } from "./messages.ts";
import { quickMessage } from "./quickCheck.ts";

const Q = "8c0a4a4e-3c2e-4f5a-9d35-0f8e4c1b2a10";
const version = { protocolVersion: 1, itemVersion: 3, createDate: "2026-01-01T00:00:00.000Z", changeDate: "2026-01-01T00:00:01.5Z" };
const envelope = { messageId: "0d7f3a56-4f1b-4b7a-8a53-1a2b3c4d5e6f", sentAt: "2026-01-01T00:00:01.000Z", nodeId: "hospital-a" };
const result = { id: `${Q}:hospital-a`, queryId: Q, nodeId: "hospital-a", versionInfo: version };
const breakdowns = {
  sex: { female: 65, male: 55 },
  age: { "0-9": 1, "10-17": 2, "18-34": 3, "35-44": 4, "45-54": 5, "55-64": 6, "65-74": 7, "75-84": 8, "85+": -1 },
  race: { americanIndian: 0, asian: 1, black: 2, pacificIslander: 3, white: 4, multiple: 5, other: 6, unknown: 7 },
  vitalStatus: { living: 110, deceased: -1, notRecorded: -1 },
};
const obfuscation = { binSize: 5, stdDev: 6.5, noiseClamp: 10, lowLimit: 10 };

/** Valid messages of every shape the quick check takes, keys in an order of their own. */
const VALID: Record<string, unknown>[] = [
  { type: "result-update", ...envelope, result: { ...result, status: "receivedByNode" } },
  { type: "result-update", ...envelope, result: { ...result, status: "running", progress: 0.3 } },
  { result: { status: "queuedAtNode", ...result, statusMessage: "waiting" }, ...envelope, type: "result-update" },
  { type: "result-update", ...envelope, result: { ...result, status: "failed", statusMessage: "out of memory", progress: 1 } },
  { type: "result-update", ...envelope, result: { ...result, status: "completed", count: 120, obfuscation, breakdowns } },
  {
    type: "result-update",
    ...envelope,
    result: { breakdowns: { vitalStatus: breakdowns.vitalStatus }, count: -1, ...result, status: "completed" },
  },
  { type: "node-heartbeat", ...envelope, activeQueries: 3 },
];

/** Every path to a value inside a JSON object. */
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== "object" || value === null) return [prefix];
  return [prefix, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}

type Mutation = { at: number; op: "delete" | "set" | "add"; value: unknown };

function mutate(base: unknown, mutations: Mutation[]): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  for (const m of mutations) {
    const paths = pathsOf(copy);
    const path = paths[m.at % paths.length] as string[];
    if (path.length === 0) continue;
    const parent = path.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], copy);
    if (typeof parent !== "object" || parent === null) continue;
    const key = path[path.length - 1] as string;
    const p = parent as Record<string, unknown>;
    if (m.op === "delete") delete p[key];
    else if (m.op === "set") p[key] = m.value;
    else p[`${key}Extra`] = m.value;
  }
  return JSON.parse(JSON.stringify(copy));
}

const edgeValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-2, -1, -0.5, 0, 0.5, 1, 1.5, 2, 6.5, 999, 1000, 1001, 1_000_000, 1_000_001, 1e9, 1e9 + 1, 2 ** 53, 1e300),
  fc.constantFrom(
    "",
    "x".repeat(201),
    "x".repeat(2001),
    "bad\u0000byte",
    "Hospital-A",
    "hospital-b",
    "completed",
    "running",
    "8C0A4A4E-3C2E-4F5A-9D35-0F8E4C1B2A10",
    "8c0a4a4e-3c2e-0f5a-9d35-0f8e4c1b2a10",
    "00000000-0000-0000-0000-000000000000",
    "2026-02-29T00:00:00Z",
    "2024-02-29T00:00:00Z",
    "2026-01-01T00:00:00+01:00",
    "2026-01-01T24:00:00Z",
    "2026-01-01T00:00:00.1234567891Z",
    `${Q}:hospital-b`,
  ),
);
const mutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom("delete", "set", "add" as const),
  value: edgeValue,
}) as fc.Arbitrary<Mutation>;

/** The quick check accepts only what zod accepts, as the very object zod makes; a refusal is zod's, word for word. */
function expectSameAsZod(raw: unknown): "quick" | "zod-ok" | "refused" | "pre-check" {
  const parsed = Message.safeParse(raw);
  const quick = typeof raw === "object" && raw !== null && !Array.isArray(raw) ? quickMessage(raw as Record<string, unknown>) : undefined;
  if (quick) {
    expect(parsed.success).toBe(true);
    expect(JSON.stringify(quick)).toBe(JSON.stringify(parsed.data));
  }
  const decoded = decodeMessage(JSON.stringify(raw));
  if (!decoded.ok && /^(unknown message type|unsupported protocolVersion|not a JSON object)/.test(decoded.reason)) return "pre-check";
  if (parsed.success) {
    expect(decoded.ok && JSON.stringify(decoded.message)).toBe(JSON.stringify(parsed.data));
    return quick ? "quick" : "zod-ok";
  }
  const type = (raw as { type: string }).type;
  expect(decoded).toEqual({ ok: false, reason: `invalid ${type}: ${describeIssues(parsed.error)}` });
  return "refused";
}

describe("the quick check in front of zod", () => {
  it("takes every valid result-update and heartbeat itself, building the very object zod builds", () => {
    for (const raw of VALID) {
      expect(quickMessage(raw), JSON.stringify(raw)).toBeDefined();
      expect(expectSameAsZod(raw)).toBe("quick");
    }
  });

  it("on hostile input accepts nothing zod refuses, and every refusal carries zod's words", () => {
    const seen = { quick: 0, "zod-ok": 0, refused: 0, "pre-check": 0 };
    fc.assert(
      fc.property(fc.constantFrom(...VALID), fc.array(mutation, { minLength: 1, maxLength: 3 }), (base, mutations) => {
        seen[expectSameAsZod(mutate(base, mutations))]++;
      }),
      { numRuns: 3000, seed: 16 },
    );
    // The mutations reach all three outcomes, so the property is not vacuous.
    expect(seen.quick).toBeGreaterThan(100);
    expect(seen["zod-ok"]).toBeGreaterThan(50);
    expect(seen.refused).toBeGreaterThan(1000);
  });
});
