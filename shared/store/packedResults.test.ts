import { describe, expect, it } from "vitest";
import { sameState } from "../apply/sameItem.ts";
import type { ResultState } from "../protocol/items.ts";
import { PackedResults } from "./packedResults.ts";

const Q = "8c0a4a4e-3c2e-4f5a-9d35-0f8e4c1b2a10";
const base: ResultState = {
  id: `${Q}:site-a`,
  queryId: Q,
  nodeId: "site-a",
  versionInfo: { protocolVersion: 1, itemVersion: 1, createDate: "2026-01-01T00:00:00.000Z", changeDate: "2026-01-01T00:00:00.000Z" },
  status: "sentToNode",
} as ResultState;
const at = (
  v: number,
  status: ResultState["status"],
  extra: Partial<ResultState> = {},
  changeDate = "2026-01-01T00:00:07.250Z",
): ResultState => ({ ...base, versionInfo: { ...base.versionInfo, itemVersion: v, changeDate }, status, ...extra }) as ResultState;

describe("PackedResults", () => {
  it("unpacks exactly what was packed: status, version, date, progress and count, with or without them", () => {
    const packed = new PackedResults();
    const states = [
      at(2, "receivedByNode"),
      at(3, "running", { progress: 0.3 }),
      at(4, "completed", { progress: 1, count: 120 }),
      at(5, "failed", { count: -1 }),
    ];
    const slots = states.map((s) => packed.pack(s, base));
    expect(slots).toEqual([0, 1, 2, 3]);
    states.forEach((s, i) => {
      const back = packed.unpack(slots[i] as number);
      expect(back).toEqual(s);
      expect(sameState(back, s)).toBe(true);
    });
  });

  it("leaves unpacked what would not rebuild exactly", () => {
    const packed = new PackedResults();
    expect(packed.pack(at(2, "failed", { statusMessage: "disk full" }), base)).toBeUndefined();
    expect(packed.pack(at(2, "receivedByNode", {}, "2026-01-01T00:00:07.25Z"), base)).toBeUndefined();
    expect(packed.pack(at(2, "receivedByNode", {}, "2026-01-01T01:00:07.250+01:00"), base)).toBeUndefined();
    expect(packed.pack({ ...at(2, "receivedByNode"), nodeId: "site-b" }, base)).toBeUndefined();
    expect(
      packed.pack(
        { ...at(2, "receivedByNode"), versionInfo: { ...at(2, "receivedByNode").versionInfo, createDate: "2026-01-02T00:00:00.000Z" } },
        base,
      ),
    ).toBeUndefined();
    expect(packed.pack({ ...at(2, "receivedByNode"), extra: 1 } as ResultState, base)).toBeUndefined();
  });
});
