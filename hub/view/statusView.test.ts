import { describe, expect, it } from "vitest";
import type { ResultState } from "../../shared/protocol/items.ts";
import { queryState, resultState, versionInfo } from "../../shared/store/testing/proposals.ts";
import { StatusView } from "./statusView.ts";

const Q = "5b2e8a9c-0d1f-4e3a-9b7c-6a5d4c3b2a10";
const iso = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const vi = (itemVersion: number) => versionInfo(itemVersion, iso(itemVersion));
const query = queryState(Q, 1, "created", []);
const result = (nodeId: string, itemVersion: number, status: ResultState["status"]): ResultState =>
  resultState(Q, nodeId, itemVersion, status, { versionInfo: vi(itemVersion), ...(status === "completed" ? { count: 10 } : {}) });

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

describe("the status view's rows", () => {
  it("answer each shown state exactly as taken, key order too, whether it packs or is kept as it is", () => {
    const view = new StatusView();
    view.take("query", query, 0);
    const odd = { ...result("b", 2, "receivedByNode"), versionInfo: { ...vi(2), changeDate: "2026-01-01T00:00:02Z" } };
    const steps: ResultState[] = [
      result("a", 1, "sentToNode"),
      { ...result("a", 2, "running"), progress: 0.25 },
      result("b", 1, "sentToNode"),
      odd,
      { ...result("b", 3, "running"), progress: 0.5 },
      { ...result("a", 3, "failed"), statusMessage: "site database offline" },
      { ...result("b", 4, "completed"), obfuscation: { binSize: 5, stdDev: 6.5, noiseClamp: 10, lowLimit: 10 } },
    ];
    for (const [i, s] of steps.entries()) {
      expect(view.take("result", s, i)).toBe(true);
      expect(JSON.stringify(view.result(Q, s.nodeId))).toBe(JSON.stringify(s));
    }
    expect(view.take("result", odd, 9)).toBe(false);
    expect(view.results(Q).map((r) => JSON.stringify(r))).toEqual([steps[5], steps[6]].map((s) => JSON.stringify(s)));
    expect([...view.shown()].map(({ state }) => state)).toEqual([query, steps[5], steps[6]]);
    expect(view.get(Q)?.nodes.map((r) => [r.nodeId, r.statusText, r.countDisplay])).toEqual([
      ["a", "Site error (site database offline)", null],
      ["b", "Completed", "10"],
    ]);
  });
});
