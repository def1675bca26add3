import { describe, expect, it } from "vitest";
import { decodeMessage, MAX_MESSAGE_BYTES } from "./messages.ts";

const Q = "8c0a4a4e-3c2e-4f5a-9d35-0f8e4c1b2a10";
const update = (result: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  type: "result-update",
  messageId: "0d7f3a56-4f1b-4b7a-8a53-1a2b3c4d5e6f",
  sentAt: "2026-01-01T00:00:01.000Z",
  nodeId: "hospital-a",
  result: {
    id: `${Q}:hospital-a`,
    queryId: Q,
    nodeId: "hospital-a",
    versionInfo: { protocolVersion: 1, itemVersion: 3, createDate: "2026-01-01T00:00:00.000Z", changeDate: "2026-01-01T00:00:01.000Z" },
    status: "running",
    progress: 0.5,
    ...result,
  },
  ...extra,
});
const reason = (value: unknown) => {
  const d = decodeMessage(typeof value === "string" ? value : JSON.stringify(value));
  return d.ok ? "ok" : d.reason;
};

describe("decoding a broker message", () => {
  it("accepts a valid result-update and ignores unknown fields", () => {
    const d = decodeMessage(JSON.stringify(update({ futureField: 1 }, { alsoNew: "x" })));
    expect(d.ok && d.message.type).toBe("result-update");
  });

  it("names what is wrong, with its path", () => {
    expect(reason("{nope")).toMatch(/^not UTF-8 JSON/);
    expect(reason([1])).toBe("not a JSON object");
    expect(reason({ ...update(), type: "gossip" })).toBe('unknown message type "gossip"');
    expect(reason(update({ versionInfo: { protocolVersion: 2, itemVersion: 3 } }))).toMatch(/unsupported protocolVersion 2/);
    expect(reason(update({ progress: 1.5 }))).toMatch(/result\.progress: progress must be within 0\.\.1/);
    expect(reason(update({ status: "exploded" }))).toMatch(/result\.status: unknown status/);
    expect(reason(update({ status: "running", count: 5 }))).toMatch(/result\.count: count is set only on completed/);
    expect(reason(update({ status: "completed", progress: undefined }))).toMatch(/a completed result needs a count/);
    expect(reason(update({ status: "completed", count: -2 }))).toMatch(/count must be >= -1/);
    expect(reason(update({ status: "failed", statusMessage: "bad\u0000byte" }))).toMatch(/statusMessage must not contain NUL/);
    expect(reason(update({ id: "x:y" }))).toMatch(/result id must be/);
    expect(
      reason(
        update({
          versionInfo: { protocolVersion: 1, itemVersion: 0, createDate: "2026-01-01T00:00:00Z", changeDate: "2026-01-01T00:00:00Z" },
        }),
      ),
    ).toMatch(/itemVersion must be >= 1/);
  });

  it("refuses a message over the size limit before parsing it", () => {
    const big = JSON.stringify(update({ statusMessage: "x".repeat(MAX_MESSAGE_BYTES) }));
    expect(reason(big)).toMatch(/exceeds the 65536-byte limit/);
  });

  it("refuses bytes that are not UTF-8", () => {
    const d = decodeMessage(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    expect(d.ok).toBe(false);
  });
});
