import { describe, expect, it } from "vitest";
import { sameState } from "../apply/sameState.ts";
import { decodeMessage, MAX_MESSAGE_BYTES, type ResultUpdate } from "./messages.ts";

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

describe("breakdowns on the wire", () => {
  const sex = { female: 65, male: 55 };
  const vitalStatus = { living: 110, deceased: -1, notRecorded: -1 };
  const completed = (breakdowns: unknown) => update({ status: "completed", progress: undefined, count: 120, breakdowns });
  const resultOf = (value: unknown) => {
    const d = decodeMessage(JSON.stringify(value));
    if (!d.ok) throw new Error(d.reason);
    return (d.message as ResultUpdate).result;
  };

  it("are read on a completed result, each kind with every cell, and refused anywhere else", () => {
    expect(resultOf(completed({ sex, vitalStatus })).breakdowns).toEqual({ sex, vitalStatus });
    expect(reason(update({ breakdowns: { sex } }))).toMatch(/result\.breakdowns: breakdowns are set only on completed/);
    expect(reason(completed({ sex: { female: 65 } }))).toMatch(/result\.breakdowns\.sex\.male/);
    expect(reason(completed({ sex: { female: -2, male: 55 } }))).toMatch(/a breakdown cell must be >= -1/);
    expect(reason(completed({ sex: { female: 6.5, male: 55 } }))).toMatch(/a breakdown cell must be an integer/);
    expect(reason(completed({ age: "young" }))).toMatch(/result\.breakdowns\.age/);
  });

  it("drop what this version does not know, a kind or a cell, so a state differing only there is the same state: a duplicate", () => {
    const known = resultOf(completed({ sex, vitalStatus }));
    const newer = resultOf(completed({ sex: { ...sex, unknown: 5 }, vitalStatus, ethnicity: { hispanic: 15 } }));
    expect(newer.breakdowns).toEqual({ sex, vitalStatus });
    expect(sameState(newer, known)).toBe(true);
    // What this version knows, it compares: one cell apart is another state, a conflict at the same version.
    expect(sameState(resultOf(completed({ sex: { ...sex, male: 60 }, vitalStatus })), known)).toBe(false);
  });

  it("are asked for by name in a query definition, each at most once", () => {
    const runQuery = (breakdowns: unknown) => ({
      type: "run-query",
      messageId: "0d7f3a56-4f1b-4b7a-8a53-1a2b3c4d5e6f",
      sentAt: "2026-01-01T00:00:01.000Z",
      query: {
        id: Q,
        versionInfo: { protocolVersion: 1, itemVersion: 1, createDate: "2026-01-01T00:00:00.000Z", changeDate: "2026-01-01T00:00:00.000Z" },
        researcherId: "r",
        definition: { panels: [{ concepts: ["dx:E11.9"] }], breakdowns },
        submittedAt: "2026-01-01T00:00:00.000Z",
      },
      result: {
        ...update().result,
        versionInfo: { ...update().result.versionInfo, itemVersion: 2 },
        status: "sentToNode",
        progress: undefined,
      },
    });
    expect(reason(runQuery(["sex", "age", "race", "vitalStatus"]))).toBe("ok");
    expect(reason(runQuery(["sex", "sex"]))).toMatch(/query\.definition\.breakdowns: a breakdown is named at most once/);
    expect(reason(runQuery(["gender"]))).toMatch(/unknown breakdown \(expected one of sex, age, race, vitalStatus\)/);
  });
});
