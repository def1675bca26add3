import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plan } from "../../shared/apply/plan.ts";
import { given, outcomesOf, writesOf } from "../../shared/apply/testing/given.ts";
import type { Store } from "../../shared/ports/store.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import type { SqlClient } from "../../shared/store/sql/client.ts";
import { pgliteClient } from "../../shared/store/sql/pglite.ts";
import { dropSchema } from "../../shared/store/sql/schema.ts";
import { SqlStore } from "../../shared/store/sql/sqlStore.ts";
import { fanOut, hubProposal as hub, nodeProposal as node, queryState, resultState } from "../../shared/store/testing/proposals.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { naivePlan, plannerOf } from "./policy.ts";

const Q = "5a2c8e14-9b3d-4c6f-a1e7-2d4f6b8c0e13";
const received = resultState(Q, "site-a", 2, "receivedByNode");
const running = resultState(Q, "site-a", 3, "running", { progress: 0.6 });

describe("the naive plan", () => {
  it("stores a node's proposal as it comes and makes it current, with no version checks", () => {
    const p = given(...fanOut(Q, ["site-a"]), node(received), node(running))
      .under(naivePlan)
      .when(node(received), node(resultState(Q, "site-a", 3, "queuedAtNode")));
    expect(outcomesOf(p)).toEqual(["applied: receivedByNode v2", "applied: queuedAtNode v3"]);
    expect(writesOf(p)).toEqual(["#0 v2 applied", "#1 v3 applied"]);
    expect(p.conflicts).toEqual([]);
  });

  it("keeps who may write: the same refusals as the versioned plan", () => {
    const burst = [
      node(running),
      node(resultState(Q, "site-z", 2, "running")),
      ...fanOut(Q, ["site-a"]),
      node(resultState(Q, "site-z", 2, "running")),
    ];
    const naive = given()
      .under(naivePlan)
      .when(...burst);
    expect(outcomesOf(naive).filter((o) => o.startsWith("rejected"))).toEqual([
      `rejected: unknown query ${Q}`,
      `rejected: unknown query ${Q}`,
      `rejected: query ${Q} was not sent to node site-z`,
    ]);
    expect(naive.outcomes.map((o) => o.reason)).toEqual(
      given()
        .when(...burst)
        .outcomes.map((o) => o.reason),
    );
  });

  it("leaves the hub's own writes to the version checks", () => {
    const p = given(...fanOut(Q, ["site-a"]), node(received))
      .under(naivePlan)
      .when(hub("result", resultState(Q, "site-a", 2, "timedOut")), hub("query", queryState(Q, 1, "created", ["site-a"])));
    expect(outcomesOf(p)).toEqual(["conflict-rebased: timedOut v3", "duplicate: created v1"]);
  });

  it("is the planner only of the naive policy", () => {
    expect(plannerOf("naive")).toBe(naivePlan);
    expect(plannerOf("versioned")).toBe(plan);
  });
});

describe("every store engine under the naive plan", () => {
  let client: SqlClient;
  beforeAll(async () => {
    client = await pgliteClient();
  });
  afterAll(async () => {
    await dropSchema(client, "naive");
    await client.close();
  });

  const engines: [string, () => Store][] = [
    ["memory", () => new MemoryStore({ clock: new VirtualClock(), planner: naivePlan })],
    ["pglite", () => new SqlStore({ client, clock: new VirtualClock(), schema: "naive", planner: naivePlan })],
  ];
  for (const [name, make] of engines) {
    it(`${name}: a late state becomes current, as the naive plan says`, async () => {
      const store = make();
      await store.open();
      await store.apply(fanOut(Q, ["site-a"]));
      await store.apply([node(running)]);
      const [late] = await store.apply([node(received)]);
      expect(late?.outcome).toBe("applied");
      expect(late?.current).toMatchObject({ status: "receivedByNode" });
      expect(late?.stored).toMatchObject({ itemVersion: 2, outcome: "applied" });
      await store.close();
    });
  }

  it("memory stores a second state at one version; PostgreSQL's key refuses it and the burst fails", async () => {
    const memory = engines[0]![1]();
    await memory.apply([...fanOut(Q, ["site-a"]), node(running)]);
    const [again] = await memory.apply([node(running)]);
    expect(again?.stored?.itemVersion).toBe(3);
    expect((await memory.states("result", `${Q}:site-a`)).map((s) => s.itemVersion)).toEqual([1, 3, 3]);

    const sql = new SqlStore({ client, clock: new VirtualClock(), schema: "naive_twice", planner: naivePlan });
    try {
      await sql.open();
      await sql.apply([...fanOut(Q, ["site-a"]), node(running)]);
      await expect(sql.apply([node(running)])).rejects.toThrow(/was stored by another writer/);
      expect((await sql.states("result", `${Q}:site-a`)).map((s) => s.itemVersion)).toEqual([1, 3]);
    } finally {
      await dropSchema(client, "naive_twice");
    }
  });
});
