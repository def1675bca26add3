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

describe("the status view's breakdowns", () => {
  const obfuscation = { binSize: 5, stdDev: 6.5, noiseClamp: 10, lowLimit: 10 };
  const asked = { ...query, definition: { ...query.definition, breakdowns: ["sex" as const, "vitalStatus" as const] } };
  const completed = (nodeId: string, count: number, breakdowns?: ResultState["breakdowns"]): ResultState => ({
    ...resultState(Q, nodeId, 4, "completed", { versionInfo: vi(4), count, obfuscation }),
    ...(breakdowns && { breakdowns }),
  });

  it("show each site's cells as words and numbers, and sum them over the network, 'at least' where a cell or a site is missing", () => {
    const view = new StatusView();
    view.take("query", asked, 0);
    const a = completed("a", 120, { sex: { female: 65, male: 55 }, vitalStatus: { living: 110, deceased: 15, notRecorded: -1 } });
    const b = completed("b", 45, { sex: { female: 20, male: 25 }, vitalStatus: { living: 45, deceased: -1, notRecorded: -1 } });
    for (const r of [a, b]) view.take("result", r, 1);
    for (const r of [a, b]) expect(JSON.stringify(view.result(Q, r.nodeId))).toBe(JSON.stringify(r));
    view.take("result", result("c", 2, "running"), 1);

    const shown = view.get(Q);
    const rowA = shown?.nodes.find((n) => n.nodeId === "a");
    expect(rowA?.breakdowns?.map((b) => [b.kind, b.label, b.shrineType])).toEqual([
      ["sex", "Sex", "PATIENT_GENDER_COUNT_XML"],
      ["vitalStatus", "Vital status", "PATIENT_VITALSTATUS_COUNT_XML"],
    ]);
    expect(rowA?.breakdowns?.[1]?.cells).toEqual([
      { cell: "living", label: "Living", count: 110, countDisplay: "110" },
      { cell: "deceased", label: "Deceased", count: 15, countDisplay: "15" },
      { cell: "notRecorded", label: "Not recorded", count: -1, countDisplay: "10 patients or fewer" },
    ]);
    expect(shown?.nodes.find((n) => n.nodeId === "c")?.breakdowns).toBeNull();
    const sums = (v: StatusView) =>
      v.get(Q)?.summary.breakdowns.map((b) => [b.kind, b.sites, b.missing, b.cells.map((c) => c.totalDisplay)]);
    expect(sums(view)).toEqual([
      ["sex", 2, 0, ["85", "80"]],
      ["vitalStatus", 2, 0, ["155", "at least 15", "at least 0"]],
    ]);
    expect(shown?.summary.breakdowns[1]?.cells[1]).toEqual({
      cell: "deceased",
      label: "Deceased",
      totalCount: 15,
      totalDisplay: "at least 15",
    });

    // A site that answers the count alone, as a node that predates breakdowns does: every sum becomes a lower bound.
    view.take("result", completed("c", 30), 2);
    expect(sums(view)).toEqual([
      ["sex", 2, 1, ["at least 85", "at least 80"]],
      ["vitalStatus", 2, 1, ["at least 155", "at least 15", "at least 0"]],
    ]);
    expect(view.get(Q)?.summary.totalDisplay).toBe("195");
  });

  it("sum no breakdown for a query that asked for none, and any a site reported beside those asked for", () => {
    const view = new StatusView();
    view.take("query", query, 0);
    view.take("result", completed("a", 120), 1);
    expect(view.get(Q)?.summary.breakdowns).toEqual([]);
    view.take("result", completed("b", 120, { sex: { female: 65, male: 55 } }), 1);
    expect(view.get(Q)?.summary.breakdowns.map((b) => [b.kind, b.sites, b.missing])).toEqual([["sex", 1, 1]]);
  });
});
