import { describe, expect, it } from "vitest";
import type { Observation, StoredRecord } from "./evidence.ts";
import { judgeLive, type LiveQuery } from "./live.ts";

const Q = "3f0a3a44-0d0e-4a53-9d5e-000000000001";
const R = `${Q}:site-a`;
const state = (status: string, v: number, count?: number) => ({
  id: R,
  queryId: Q,
  nodeId: "site-a",
  status,
  versionInfo: { itemVersion: v },
  ...(count === undefined ? {} : { count }),
});
const stored = (seq: number, s: ReturnType<typeof state>): StoredRecord => ({
  seq,
  kind: "result",
  id: R,
  itemVersion: s.versionInfo.itemVersion,
  state: s,
  outcome: "applied",
  messageId: `m-${seq}`,
  storedAt: "2026-01-01T00:00:00.000Z",
});
const row = (status: string, v: number, stage: number, count: number | null) => ({
  nodeId: "site-a",
  status,
  itemVersion: v,
  stage,
  count,
});

function query(states: StoredRecord[], shown = row("completed", 3, 5, 40), totalCount = 40): LiveQuery {
  const q = {
    seq: 0,
    kind: "query" as const,
    id: Q,
    itemVersion: 1,
    state: { id: Q, status: "done", versionInfo: { itemVersion: 1 } },
    outcome: "applied",
    messageId: null,
    storedAt: "2026-01-01T00:00:00.000Z",
  };
  return {
    id: Q,
    read: { status: "done", itemVersion: 1, nodes: [shown], summary: { nodes: 1, totalCount } },
    history: { states: [q, ...states], conflicts: [] },
  };
}
const healthy = [stored(1, state("queued", 1)), stored(2, state("running", 2)), stored(3, state("completed", 3, 40))];
const broken = (judgement: ReturnType<typeof judgeLive>) => judgement.filter((j) => !j.holds).map((j) => j.invariant);
const seen = (stage: number, v: number): Observation => ({
  at: v,
  source: "event",
  queryId: Q,
  nodeId: "site-a",
  stage,
  itemVersion: v,
  status: "x",
});

describe("the live invariants, judged from what a hub's API shows", () => {
  it("all hold for a query whose view, summary, history and event stream agree", () => {
    expect(broken(judgeLive({ startedAt: 0, observations: [seen(1, 1), seen(3, 2), seen(5, 3)], queries: [query(healthy)] }))).toEqual([]);
  });

  it("each names what it catches: a regression seen, a version stored twice, a summary apart from its rows, a view apart from its history", () => {
    expect(broken(judgeLive({ startedAt: 0, observations: [seen(3, 2), seen(1, 1)], queries: [query(healthy)] }))).toEqual([
      "no-regression-seen",
    ]);
    const twice = [...healthy, stored(4, state("running", 2))];
    expect(broken(judgeLive({ startedAt: 0, observations: [], queries: [query(twice)] }))).toEqual(["history-unique"]);
    expect(broken(judgeLive({ startedAt: 0, observations: [], queries: [query(healthy, undefined, 41)] }))).toEqual([
      "summary-equals-rows",
    ]);
    const behind = judgeLive({ startedAt: 0, observations: [], queries: [query(healthy, row("running", 2, 3, null), 0)] });
    expect(broken(behind)).toEqual(["view-equals-history"]);
    expect(behind.find((j) => !j.holds)?.findings[0]?.message).toBe(
      `result ${R}: the view shows running v2, its history's current state is completed v3 count 40`,
    );
  });
});
