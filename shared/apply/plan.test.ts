import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fanOut, hubProposal as hub, nodeProposal as node, queryState, resultState } from "../store/testing/proposals.ts";
import { type Plan, plan } from "./plan.ts";
import { sameState } from "./sameState.ts";
import { type Given, given, outcomesOf, storedItems, writesOf } from "./testing/given.ts";

const Q = "3d1e9a52-7c4b-4f1a-8e2d-5b6c7d8e9f01";
const A = `${Q}:site-a`;

const received = resultState(Q, "site-a", 2, "receivedByNode");
const running = resultState(Q, "site-a", 3, "running", { progress: 0.4 });
const completed = resultState(Q, "site-a", 2, "completed", { count: 40 });

const conflictsOf = (p: Plan) => p.conflicts.map((c) => [c.ord, c.itemVersion, c.resolution, c.rebasedTo]);

describe("the plan of a burst", () => {
  it("applies a node's next state: one write, the item's current state after it", () => {
    const p = given(...fanOut(Q, ["site-a"])).when(node(received, "m-1"));
    expect(outcomesOf(p)).toEqual(["applied: receivedByNode v2"]);
    expect(p.writes).toEqual([{ ord: 0, kind: "result", queryId: Q, state: received, outcome: "applied", messageId: "m-1" }]);
    expect(p.conflicts).toEqual([]);
  });

  it("writes nothing for a burst of duplicates", () => {
    const p = given(...fanOut(Q, ["site-a"]), node(received)).when(node(received), node({ ...received }));
    expect(outcomesOf(p)).toEqual(["duplicate: receivedByNode v2", "duplicate: receivedByNode v2"]);
    expect(p.writes).toEqual([]);
    expect(p.written.result.size).toBe(0);
  });

  it("lets each proposal of one item see the writes of those before it", () => {
    const p = given(...fanOut(Q, ["site-a"])).when(
      node(running),
      node(received), // late: running outranks it
      node({ ...received }), // the same state again, written by the one before
      node(completed), // collides with received at v2, outranks running: rebased to 4
      node(resultState(Q, "site-a", 3, "queuedAtNode")), // collides with running, outranked by completed: discarded
      node(resultState(Q, "site-a", 4, "completed", { count: 40 })), // the rebased state itself: a duplicate
    );
    expect(outcomesOf(p)).toEqual([
      "applied: running v3",
      "applied-late: running v3",
      "duplicate: running v3",
      "conflict-rebased: completed v4",
      "conflict-discarded: completed v4",
      "duplicate: completed v4",
    ]);
    expect(writesOf(p)).toEqual(["#0 v3 applied", "#1 v2 applied-late", "#3 v4 conflict-rebased"]);
    expect(conflictsOf(p)).toEqual([
      [3, 2, "rebased", 4],
      [4, 3, "discarded", null],
    ]);
    expect(p.conflicts[0]?.collidedWith).toBe(p.writes[1]?.state);
    expect(p.conflicts[1]?.collidedWith).toBe(running);
    expect(p.written.result.get(A)?.map((s) => s.versionInfo.itemVersion)).toEqual([3, 2, 4]);
  });

  it("discards a redelivered rebased proposal instead of rebasing it again, and takes the rebased state as a duplicate", () => {
    const p = given(...fanOut(Q, ["site-a"]), node(received)).when(
      node(completed, "m-done"),
      node(completed, "m-done"),
      node(resultState(Q, "site-a", 3, "completed", { count: 40 })),
    );
    expect(outcomesOf(p)).toEqual(["conflict-rebased: completed v3", "conflict-discarded: completed v3", "duplicate: completed v3"]);
    expect(writesOf(p)).toEqual(["#0 v3 conflict-rebased"]);
    expect(conflictsOf(p)).toEqual([
      [0, 2, "rebased", 3],
      [1, 2, "discarded", null],
    ]);
    expect(p.conflicts.map((c) => c.messageId)).toEqual(["m-done", "m-done"]);
    expect(p.conflicts[1]?.collidedWith).toBe(received);
  });

  it("lets a late completed beat the hub's timedOut", () => {
    const p = given(...fanOut(Q, ["site-a"]), hub("result", resultState(Q, "site-a", 2, "timedOut"))).when(node(completed));
    expect(outcomesOf(p)).toEqual(["conflict-rebased: completed v3"]);
  });

  it("refuses what a node may not write, with the reason, and writes nothing for it", () => {
    const p = given().when(
      node(running), // no such query yet
      ...fanOut(Q, ["site-a"]), // the hub's fan-out in the same burst makes it known
      node(running),
      node(resultState(Q, "site-z", 2, "running")), // the query was not sent to site-z
      { kind: "query", state: queryState(Q, 2, "done", ["site-a"]), origin: "node" },
    );
    expect(outcomesOf(p)).toEqual([
      `rejected: unknown query ${Q}`,
      "applied: created v1",
      "applied: sentToNode v1",
      "applied: running v3",
      `rejected: query ${Q} was not sent to node site-z`,
      "rejected: a node proposes results only",
    ]);
    expect(p.outcomes[0]).toEqual({ outcome: "rejected", reason: `unknown query ${Q}` });
    expect(p.writes.map((w) => w.ord)).toEqual([1, 2, 3]);
  });

  it("keeps a query's own id as its queryId, and a write's messageId null when it came with none", () => {
    const p = given().when(hub("query", queryState(Q, 1, "created", ["site-a"])));
    expect(p.writes[0]).toMatchObject({ kind: "query", queryId: Q, messageId: null });
  });

  it("decides a burst as one by one, whatever the burst", () => {
    const ladder = [
      resultState(Q, "site-a", 2, "receivedByNode"),
      resultState(Q, "site-a", 3, "running", { progress: 0.5 }),
      resultState(Q, "site-a", 2, "completed", { count: 7 }),
      resultState(Q, "site-a", 3, "queuedAtNode"),
      resultState(Q, "site-b", 2, "failed", { statusMessage: "disk" }),
      resultState(Q, "site-b", 2, "running"),
      resultState(Q, "site-z", 2, "running"),
    ];
    const proposal = fc.oneof(
      fc.constantFrom(...ladder).map((s) => node(s)),
      fc.constant(hub("result", resultState(Q, "site-a", 3, "timedOut"))),
      fc.constant(hub("query", queryState(Q, 2, "done", ["site-a", "site-b"]))),
    );
    fc.assert(
      fc.property(fc.array(proposal, { maxLength: 12 }), fc.boolean(), (burst, fannedOut) => {
        const before: Given[] = fannedOut ? fanOut(Q, ["site-a", "site-b"]) : [];
        const whole = plan(burst, storedItems(before, burst));
        const stored = [...before];
        const oneByOne = burst.map((p) => {
          const single = plan([p], storedItems(stored, [p]));
          for (const w of single.writes) stored.push(w);
          return single.outcomes[0];
        });
        expect(whole.outcomes.length).toBe(burst.length);
        whole.outcomes.forEach((o, i) => {
          expect(o.outcome).toBe(oneByOne[i]?.outcome);
          expect(sameState(o.current, oneByOne[i]?.current)).toBe(true);
        });
        expect(whole.writes.map((w) => w.state)).toEqual(stored.slice(before.length).map((s) => s.state));
      }),
      { numRuns: 300 },
    );
  });
});
