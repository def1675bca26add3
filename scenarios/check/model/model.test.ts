import { describe, expect, it } from "vitest";
import { fanOut, query, result, type Step } from "../testing/record.ts";
import { type ModelDecision, ReferenceModel } from "./model.ts";

/** The model after the steps, and its decision on each, one line each: outcome, version written, current status and version. */
function decide(steps: readonly Step[]): string[] {
  const model = new ReferenceModel();
  return steps.map((s) => {
    const d: ModelDecision = model.apply({ kind: s.kind ?? "result", origin: s.origin, state: s.state });
    const current = d.current ? `${d.current.status} v${d.current.versionInfo.itemVersion}` : "-";
    return `${d.outcome}${d.reason ? ` (${d.reason})` : ""} ${d.storedVersion ?? "-"} ${current}`;
  });
}

const node = (nodeId: string, v: number, status: string, extra: Record<string, unknown> = {}): Step => ({
  at: 0,
  origin: "node",
  state: result(nodeId, v, status, extra),
});
const hub = (nodeId: string, v: number, status: string): Step => ({ at: 0, origin: "hub", state: result(nodeId, v, status) });

describe("the reference model of PROTOCOL.md sections 1 to 3", () => {
  it("stores a new version, current when it outranks, late when it does not (step 2)", () => {
    expect(decide([...fanOut(["site-a"]), node("site-a", 4, "running"), node("site-a", 3, "receivedByNode")]).slice(3)).toEqual([
      "applied 4 running v4",
      "applied-late 3 running v4",
    ]);
  });

  it("writes nothing for the same state again, whatever the order of its keys (step 3)", () => {
    const again: Step = {
      at: 0,
      origin: "node",
      state: {
        status: "running",
        versionInfo: { itemVersion: 3 },
        nodeId: "site-a",
        queryId: result("site-a", 3, "x").queryId,
        id: result("site-a", 3, "x").id,
        progress: 0.5,
      },
    };
    expect(decide([...fanOut(["site-a"]), node("site-a", 3, "running", { progress: 0.5 }), again]).slice(3)).toEqual([
      "applied 3 running v3",
      "duplicate - running v3",
    ]);
  });

  it("rebases a colliding state that outranks the current stage to the highest version plus one, and discards one that does not (step 4)", () => {
    const steps = [
      ...fanOut(["site-a"]),
      node("site-a", 3, "receivedByNode"),
      node("site-a", 5, "running", { progress: 0.2 }),
      node("site-a", 3, "completed", { count: 40 }),
      node("site-a", 5, "running", { progress: 0.9 }),
      node("site-a", 5, "failed"),
    ];
    expect(decide(steps).slice(3)).toEqual([
      "applied 3 receivedByNode v3",
      "applied 5 running v5",
      "conflict-rebased 6 completed v6",
      "conflict-discarded - completed v6",
      "conflict-discarded - completed v6",
    ]);
  });

  it("compares stages, not precedence, in a conflict: the same stage at a higher version is discarded", () => {
    const steps = [
      ...fanOut(["site-a"]),
      node("site-a", 3, "running", { progress: 0.1 }),
      node("site-a", 4, "running", { progress: 0.2 }),
      node("site-a", 3, "running", { progress: 0.3 }),
    ];
    expect(decide(steps).at(-1)).toBe("conflict-discarded - running v4");
  });

  it("lets a late final replace the hub's timedOut, rebased when it collides with it", () => {
    const steps = [
      ...fanOut(["site-a", "site-b"]),
      node("site-a", 3, "running"),
      hub("site-a", 4, "timedOut"),
      node("site-a", 4, "completed", { count: 40 }),
      node("site-b", 3, "running"),
      hub("site-b", 4, "timedOut"),
      node("site-b", 5, "failed"),
      node("site-b", 4, "running"),
    ];
    expect(decide(steps).slice(5)).toEqual([
      "applied 3 running v3",
      "applied 4 timedOut v4",
      "conflict-rebased 5 completed v5",
      "applied 3 running v3",
      "applied 4 timedOut v4",
      "applied 5 failed v5",
      "conflict-discarded - failed v5",
    ]);
  });

  it("refuses what a node may not write (step 1): unknown query, a site not sent the query, a status the hub sets, a query", () => {
    const steps: Step[] = [
      node("site-a", 3, "running"),
      ...fanOut(["site-a"]),
      node("site-b", 3, "running"),
      node("site-a", 3, "timedOut"),
      { at: 0, kind: "query", origin: "node", state: query(2, "done", ["site-a"]) },
      node("site-a", 3, "paused"),
      hub("site-a", 3, "paused"),
    ];
    const Q = result("site-a", 1, "x").queryId;
    expect(decide(steps).filter((l) => l.startsWith("rejected"))).toEqual([
      `rejected (unknown query ${Q}) - -`,
      `rejected (query ${Q} was not sent to node site-b) - -`,
      "rejected (status timedOut is set by the hub, not by a node) - -",
      "rejected (a node proposes results only) - -",
      "rejected (unknown result status paused) - -",
      "rejected (unknown result status paused) - -",
    ]);
  });

  it("ranks query states by the query's own ladder", () => {
    const steps: Step[] = [
      { at: 0, kind: "query", origin: "hub", state: query(1, "created", ["site-a"]) },
      { at: 0, kind: "query", origin: "hub", state: query(3, "done", ["site-a"]) },
      { at: 0, kind: "query", origin: "hub", state: query(2, "dispatched", ["site-a"]) },
    ];
    expect(decide(steps)).toEqual(["applied 1 created v1", "applied 3 done v3", "applied-late 2 done v3"]);
  });
});
