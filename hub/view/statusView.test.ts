import { describe, expect, it } from "vitest";
import type { QueryState, ResultState } from "../../shared/protocol/items.ts";
import { StatusView } from "./statusView.ts";

const Q = "5b2e8a9c-0d1f-4e3a-9b7c-6a5d4c3b2a10";
const iso = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const vi = (itemVersion: number) => ({ protocolVersion: 1 as const, itemVersion, createDate: iso(0), changeDate: iso(itemVersion) });
const query: QueryState = {
  id: Q,
  versionInfo: vi(1),
  researcherId: "r",
  definition: { panels: [{ concepts: ["dx:E11.9"] }] },
  submittedAt: iso(0),
};
const result = (nodeId: string, itemVersion: number, status: ResultState["status"]): ResultState => ({
  id: `${Q}:${nodeId}`,
  queryId: Q,
  nodeId,
  versionInfo: vi(itemVersion),
  status,
  ...(status === "completed" ? { count: 10 } : {}),
});

describe("the status view's allFinal", () => {
  it("holds once every site shows a final status, and a lower state arriving late does not undo it", () => {
    const view = new StatusView();
    view.take("query", query, 0);
    expect(view.allFinal(Q)).toBe(false);
    for (const n of ["a", "b", "c"]) view.take("result", result(n, 1, "sentToNode"), 0);
    view.take("result", result("a", 2, "completed"), 1);
    view.take("result", result("b", 2, "failed"), 1);
    expect(view.allFinal(Q)).toBe(false);
    view.take("result", result("c", 3, "running"), 2);
    view.take("result", result("c", 4, "timedOut"), 3);
    expect(view.allFinal(Q)).toBe(true);
    // A late running state ranks below what is shown: nothing moves.
    view.take("result", result("a", 1, "running"), 4);
    // A completed after timedOut outranks it: final to final.
    view.take("result", result("c", 5, "completed"), 5);
    expect(view.allFinal(Q)).toBe(true);
    expect([...view.stalled(10)]).toEqual([]);
    view.take("result", result("d", 1, "sentToNode"), 6);
    expect(view.allFinal(Q)).toBe(false);
    expect([...view.stalled(10)].map((r) => r.nodeId)).toEqual(["d"]);
  });
});
