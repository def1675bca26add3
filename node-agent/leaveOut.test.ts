import { describe, expect, it } from "vitest";
import type { ResultState } from "../shared/protocol/items.ts";
import { leaveOut } from "./leaveOut.ts";

const versionInfo = { protocolVersion: 1, itemVersion: 6, createDate: "2026-01-01T00:00:00.000Z", changeDate: "2026-01-01T00:00:09.000Z" };
const completed: ResultState = {
  id: "q:site-a",
  queryId: "q",
  nodeId: "site-a",
  versionInfo,
  status: "completed",
  progress: 1,
  count: 40,
  obfuscation: { binSize: 5, stdDev: 6.5, noiseClamp: 10, lowLimit: 10 },
  breakdowns: { sex: { female: 25, male: 15 } },
} as ResultState;

describe("a node that leaves optional fields out", () => {
  it("sends the state without them, and keeps what the protocol requires", () => {
    expect(leaveOut(completed, ["obfuscation", "breakdowns", "progress"])).toEqual({
      id: "q:site-a",
      queryId: "q",
      nodeId: "site-a",
      versionInfo,
      status: "completed",
      count: 40,
    });
    expect(leaveOut({ ...completed, status: "failed", statusMessage: "disk full" } as ResultState, ["statusMessage"])).not.toHaveProperty(
      "statusMessage",
    );
  });

  it("leaves the state alone when it leaves nothing out", () => {
    expect(leaveOut(completed, [])).toBe(completed);
  });
});
