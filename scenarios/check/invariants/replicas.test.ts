import { describe, expect, it } from "vitest";
import { checkRun } from "../checker.ts";
import type { QueryPicture, RunEvidence, StoredRecord } from "../evidence.ts";
import type { InvariantName } from "../invariants.ts";
import { type Step, correctRecord, fanOut, query, result } from "../testing/record.ts";

const TIMEOUT = 60_000;
const STEPS: Step[] = [
  ...fanOut(["site-a", "site-b"]),
  { at: 100, origin: "node", state: result("site-a", 3, "completed", { count: 40 }), messageId: "m-a" },
  { at: 100 + TIMEOUT + 1_000, origin: "hub", state: result("site-b", 3, "timedOut") },
];

/** The same value with every object's keys in the reverse order, as PostgreSQL's JSON may give them back. */
const reversed = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(reversed)
    : v !== null && typeof v === "object"
      ? Object.fromEntries(
          Object.entries(v)
            .reverse()
            .map(([k, x]) => [k, reversed(x)]),
        )
      : v;

const violationsOf = (evidence: RunEvidence, invariant: InvariantName) =>
  checkRun(evidence)
    .violations.filter((v) => v.invariant === invariant)
    .map((v) => v.message);

describe("duties-once", () => {
  it("holds for a record with one timedOut per result", () => {
    expect(violationsOf(correctRecord(STEPS, TIMEOUT), "duties-once")).toEqual([]);
  });

  it("catches a timedOut proposed twice, the second a duplicate the store keeps no trace of", () => {
    const again = { at: 100 + TIMEOUT + 1_500, origin: "hub" as const, state: result("site-b", 3, "timedOut") };
    const evidence = correctRecord([...STEPS, again], TIMEOUT);
    expect(violationsOf(evidence, "duties-once")).toEqual([
      `${again.state.id}: the hub proposed timedOut 2 times (#7 applied, #8 duplicate); a singleton duty fires once`,
    ]);
  });

  it("judges a query's done by what is stored alone when replica processes settle it at once, by every proposal in one process", () => {
    const done = (at: number): Step => ({ at, kind: "query", origin: "hub", state: query(2, "done", ["site-a", "site-b"]) });
    const evidence = correctRecord([...STEPS, done(TIMEOUT + 2_000), done(TIMEOUT + 2_000)], TIMEOUT);
    const twice = [`${evidence.queryIds[0]}: the hub proposed done 2 times (#8 applied, #9 duplicate); a singleton duty fires once`];
    expect(violationsOf(evidence, "duties-once")).toEqual(twice);
    expect(violationsOf({ ...evidence, decisionsPutInStoreOrder: true }, "duties-once")).toEqual([]);
  });

  it("catches a result timed out twice, as two replicas running the poller at once would store it", () => {
    const evidence = correctRecord(STEPS, TIMEOUT);
    const [history] = evidence.stored;
    const once = history?.states.find((s) => s.state.status === "timedOut") as StoredRecord;
    const twice: StoredRecord = { ...once, seq: once.seq + 1, itemVersion: 4, state: { ...once.state, versionInfo: { itemVersion: 4 } } };
    const tampered = { ...evidence, stored: [{ states: [...(history?.states ?? []), twice], conflicts: history?.conflicts ?? [] }] };
    expect(violationsOf(tampered, "duties-once")).toEqual([
      `${once.id}: timedOut stored 2 times (at v3, v4); a singleton duty writes it once`,
    ]);
  });
});

describe("replicas-agree", () => {
  it("holds when every replica shows the same, whatever the order of the keys", () => {
    const evidence = correctRecord(STEPS, TIMEOUT);
    const reordered = evidence.live.map((p) => reversed(p) as QueryPicture);
    const agreeing = {
      ...evidence,
      replicas: [
        { replica: 0, pictures: evidence.live },
        { replica: 2, pictures: reordered },
      ],
    };
    expect(violationsOf(agreeing, "replicas-agree")).toEqual([]);
  });

  it("catches a replica that shows a query otherwise, and one that does not show it", () => {
    const evidence = correctRecord(STEPS, TIMEOUT);
    const [picture] = evidence.live as QueryPicture[];
    const behind = { ...(picture as QueryPicture), read: { ...(picture as QueryPicture).read, status: "dispatched" } };
    const replicas = [
      { replica: 0, pictures: evidence.live },
      { replica: 1, pictures: [behind] },
      { replica: 2, pictures: [] },
    ];
    expect(violationsOf({ ...evidence, replicas }, "replicas-agree")).toEqual([
      `query ${picture?.id}: hub replica 1 shows it otherwise than replica 0`,
      `query ${picture?.id}: hub replica 2 shows nothing of it, unlike replica 0`,
    ]);
  });
});
