import { describe, expect, it } from "vitest";
import { type ShownQuery, shownDifferences } from "./compare.ts";

const query = (over: Partial<ShownQuery["nodes"][number]> = {}): ShownQuery => ({
  id: "q1",
  status: "done",
  itemVersion: 3,
  nodes: [{ nodeId: "a", status: "completed", itemVersion: 6, count: 40, progress: 1, ...over }],
});

describe("shownDifferences", () => {
  it("is empty when the rebuilt and live queries show the same figures", () => {
    expect(shownDifferences([query()], [query()])).toEqual([]);
  });

  it("names each item shown differently, and what only one side shows", () => {
    const live = [query({ itemVersion: 7 }), { ...query(), id: "q2", nodes: [] }];
    expect(shownDifferences([query()], live)).toEqual([
      "result q1:a: status=completed itemVersion=6 count=40 progress=1 != status=completed itemVersion=7 count=40 progress=1",
      "query q2: only in the live view",
    ]);
    expect(shownDifferences(live, [])).toHaveLength(3);
  });
});
