import { describe, expect, it } from "vitest";
import { progressLine } from "./progressLine.ts";
import type { QueryView } from "./statusView.ts";

const row = (nodeId: string, status: QueryView["nodes"][number]["status"], extra: Partial<QueryView["nodes"][number]> = {}) => ({
  nodeId,
  status,
  stage: 0,
  final: false,
  progress: null,
  count: null,
  countDisplay: null,
  statusText: "",
  statusMessage: null,
  itemVersion: 1,
  updatedAt: "",
  breakdowns: null,
  ...extra,
});

describe("the terminal progress line", () => {
  it("shows each site's state and the total", () => {
    const line = progressLine({
      id: "0123456789abcdef",
      status: "dispatched",
      researcherId: "r",
      definition: { panels: [{ concepts: ["dx:E11.9"] }] },
      submittedAt: "",
      itemVersion: 2,
      nodes: [
        row("a", "completed", { count: 120 }),
        row("b", "completed", { count: -1 }),
        row("c", "running", { progress: 0.42 }),
        row("d", "timedOut"),
      ],
      summary: { nodes: 4, completed: 2, failed: 1, pending: 1, totalCount: 120, totalDisplay: "at least 120", breakdowns: [] },
    });
    expect(line).toBe("01234567 dispatched 2/4 done, 1 failed  total at least 120  [ a 120 | b <=10 | c 42% | d TIMEOUT ]");
  });
});
