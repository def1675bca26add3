import { describe, expect, it } from "vitest";
import type { ResultState } from "../protocol/items.ts";
import { RESULT_LADDER, RESULT_STATUSES } from "../protocol/status.ts";
import { decide } from "./decide.ts";
import { comparePrecedence, currentOf } from "./precedence.ts";
import { canonicalJson, sameState } from "./sameState.ts";

const Q = "8c0a4a4e-3c2e-4f5a-9d35-0f8e4c1b2a10";
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

function state(itemVersion: number, status: ResultState["status"], extra: Partial<ResultState> = {}): ResultState {
  return {
    id: `${Q}:hospital-a`,
    queryId: Q,
    nodeId: "hospital-a",
    versionInfo: { protocolVersion: 1, itemVersion, createDate: at(0), changeDate: at(itemVersion) },
    status,
    ...(status === "completed" ? { count: 120 } : {}),
    ...extra,
  };
}

describe("the status ladder", () => {
  it("orders every status by stage, strictly", () => {
    const stages = RESULT_STATUSES.map((s) => RESULT_LADDER[s].stage);
    expect(stages).toEqual([100, 200, 300, 400, 700, 1100, 1200, 1400]);
    expect([...stages].sort((a, b) => a - b)).toEqual(stages);
  });

  it("marks exactly timedOut, failed and completed final, and the first two as errors", () => {
    expect(RESULT_STATUSES.filter((s) => RESULT_LADDER[s].final)).toEqual(["timedOut", "failed", "completed"]);
    expect(RESULT_STATUSES.filter((s) => RESULT_LADDER[s].error)).toEqual(["timedOut", "failed"]);
  });

  it("lets the hub set only created, sentToNode and timedOut", () => {
    expect(RESULT_STATUSES.filter((s) => RESULT_LADDER[s].setBy === "hub")).toEqual(["created", "sentToNode", "timedOut"]);
  });

  it("ranks a higher stage above a higher version", () => {
    expect(comparePrecedence("result", state(3, "running"), state(9, "receivedByNode"))).toBeGreaterThan(0);
    expect(comparePrecedence("result", state(9, "timedOut"), state(4, "completed"))).toBeLessThan(0);
  });

  it("ranks a higher version above a lower one at the same stage", () => {
    expect(comparePrecedence("result", state(5, "running", { progress: 0.2 }), state(4, "running", { progress: 0.9 }))).toBeGreaterThan(0);
  });

  it("takes the state of highest precedence as current", () => {
    const stored = [state(1, "created"), state(2, "sentToNode"), state(6, "running"), state(5, "completed")];
    expect(currentOf("result", stored)?.versionInfo.itemVersion).toBe(5);
    expect(currentOf("result", [])).toBeUndefined();
  });
});

describe("the apply decision", () => {
  const stored = [state(1, "created"), state(2, "sentToNode"), state(3, "receivedByNode")];

  it("applies a state at a new version that becomes current", () => {
    expect(decide("result", stored, state(4, "running"))).toEqual({ outcome: "applied", write: state(4, "running") });
  });

  it("applies the first state of an item", () => {
    expect(decide("result", [], state(1, "created")).outcome).toBe("applied");
  });

  it("applies late a state at a new version that does not become current", () => {
    const ahead = [...stored, state(5, "completed")];
    expect(decide("result", ahead, state(4, "running"))).toEqual({ outcome: "applied-late", write: state(4, "running") });
  });

  it("calls an equal state at a stored version a duplicate, whatever its key order", () => {
    const again = JSON.parse(JSON.stringify(state(3, "receivedByNode"))) as ResultState;
    const reordered = Object.fromEntries(Object.entries(again).reverse()) as ResultState;
    expect(decide("result", stored, reordered)).toEqual({ outcome: "duplicate" });
  });

  it("rebases a different state of higher stage at max stored version + 1", () => {
    const d = decide("result", stored, state(3, "completed"));
    expect(d.outcome).toBe("conflict-rebased");
    if (d.outcome !== "conflict-rebased") return;
    expect(d.write.versionInfo.itemVersion).toBe(4);
    expect(d.write.status).toBe("completed");
    expect(d.collidedWith).toEqual(state(3, "receivedByNode"));
  });

  it("rebases above the highest stored version, not the colliding one", () => {
    const d = decide("result", [...stored, state(7, "running")], state(3, "completed"));
    expect(d.outcome === "conflict-rebased" && d.write.versionInfo.itemVersion).toBe(8);
  });

  it("discards a different state of equal or lower stage than current, keeping current", () => {
    const d = decide(
      "result",
      stored,
      state(3, "receivedByNode", { versionInfo: { ...state(3, "receivedByNode").versionInfo, changeDate: at(59) } }),
    );
    expect(d).toEqual({ outcome: "conflict-discarded", collidedWith: state(3, "receivedByNode"), current: state(3, "receivedByNode") });
    const lower = decide("result", [...stored, state(4, "completed")], state(2, "queuedAtNode"));
    expect(lower.outcome).toBe("conflict-discarded");
  });

  it("lets a late completed beat the hub's timedOut", () => {
    const timedOut = [...stored, state(4, "timedOut")];
    const d = decide("result", timedOut, state(4, "completed"));
    expect(d.outcome === "conflict-rebased" && d.write.versionInfo.itemVersion).toBe(5);
  });
});

describe("state equality", () => {
  it("ignores key order and undefined fields but not values", () => {
    expect(sameState({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1, d: undefined })).toBe(true);
    expect(sameState({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [2, 1] } })).toBe(false);
    expect(canonicalJson({ b: 1, a: [true, null] })).toBe(canonicalJson({ a: [true, null], b: 1 }));
  });
});
