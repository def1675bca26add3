import { describe, expect, it } from "vitest";
import { checkRun } from "../checker.ts";
import type { Decision, HubCounters, RunEvidence, StoredRecord } from "../evidence.ts";
import type { InvariantName } from "../invariants.ts";
import { Q, type Step, T0, correctRecord, fanOut, query, result } from "../testing/record.ts";

const TIMEOUT = 60_000;
const node = (at: number, nodeId: string, v: number, status: string, extra: Record<string, unknown> = {}): Step => ({
  at,
  origin: "node",
  state: result(nodeId, v, status, extra),
  messageId: `m-${nodeId}-${at}`,
});
const timedOut = (at: number, nodeId: string, v: number): Step => ({ at, origin: "hub", state: result(nodeId, v, "timedOut") });

/**
 * Two sites: site-a runs and completes, and its receivedByNode comes again under a new messageId
 * (a duplicate); site-b goes quiet, the hub gives up on it once the timeout has passed, then its
 * completed collides with the timedOut (rebased above it) and a stale running arrives (discarded).
 */
const STEPS: Step[] = [
  ...fanOut(["site-a", "site-b"]),
  node(100, "site-a", 3, "receivedByNode"),
  node(100, "site-b", 3, "receivedByNode"),
  node(200, "site-a", 4, "running", { progress: 0.5 }),
  node(250, "site-a", 3, "receivedByNode"),
  node(300, "site-a", 5, "completed", { count: 40 }),
  timedOut(100 + TIMEOUT + 1_000, "site-b", 4),
  node(62_000, "site-b", 4, "completed", { count: 25 }),
  node(62_100, "site-b", 4, "running", { progress: 0.9 }),
];

const correct = () => correctRecord(STEPS, TIMEOUT);

/** The violations of one invariant in a record. */
function violationsOf(evidence: RunEvidence, invariant: InvariantName): string[] {
  return checkRun(evidence)
    .violations.filter((v) => v.invariant === invariant)
    .map((v) => v.message);
}

const decisionOf = (e: RunEvidence, nodeId: string, status: string, v: number): Decision =>
  e.decisions.find(
    (d) => d.id === `${Q}:${nodeId}` && d.proposed.status === status && d.proposed.versionInfo.itemVersion === v,
  ) as Decision;

describe("the record of a hub that keeps every rule", () => {
  it("holds every invariant, and fires each outcome of section 3", () => {
    const e = correct();
    expect(checkRun(e).violations).toEqual([]);
    expect(new Set(e.decisions.map((d) => d.outcome))).toEqual(new Set(["applied", "duplicate", "conflict-rebased", "conflict-discarded"]));
  });
});

describe("model-agrees", () => {
  it("fails a hub whose store calls a collision a duplicate, naming both decisions", () => {
    const e = correct();
    const d = decisionOf(e, "site-b", "running", 4);
    Object.assign(d, { outcome: "duplicate" });
    expect(violationsOf(e, "model-agrees")).toEqual([
      `result ${Q}:site-b: decision #${d.n} (t=62100 ms), the node's proposal running v4 in message m-site-b-62100: the hub decided duplicate, current completed v5 (count 25); the model decides conflict-discarded, current completed v5 (count 25)`,
    ]);
  });
});

describe("timeout-rule", () => {
  it("fails a hub that gives up on a site before the result timeout has passed", () => {
    const e = correctRecord(
      STEPS.map((s) => (s.state.status === "timedOut" ? { ...s, at: 30_000 } : s)),
      TIMEOUT,
    );
    expect(violationsOf(e, "timeout-rule")).toEqual([
      `result ${Q}:site-b: timedOut stored at decision #11 (t=30000 ms) after receivedByNode v3 had stood only 29900 ms, not longer than the result timeout of 60000 ms`,
    ]);
  });

  it("fails a hub that times out a state exactly as old as the result timeout: the protocol says older", () => {
    const e = correctRecord(
      STEPS.map((s) => (s.state.status === "timedOut" ? { ...s, at: 100 + TIMEOUT } : s)),
      TIMEOUT,
    );
    expect(violationsOf(e, "timeout-rule")).toEqual([
      `result ${Q}:site-b: timedOut stored at decision #11 (t=60100 ms) after receivedByNode v3 had stood only 60000 ms, not longer than the result timeout of 60000 ms`,
    ]);
  });

  it("judges a replica process's timedOut by the state it held, when another process stored a newer one meanwhile", () => {
    // site-b's running v4 is stored 10 ms before the timedOut its poller based on receivedByNode v3.
    const raced = (quietSince: number) =>
      correctRecord(
        [
          ...fanOut(["site-a", "site-b"]),
          node(quietSince, "site-b", 3, "receivedByNode"),
          node(61_090, "site-b", 4, "running"),
          timedOut(61_100, "site-b", 4),
        ],
        TIMEOUT,
      );
    const stood = (ms: number, what: string) =>
      `result ${Q}:site-b: timedOut stored at decision #8 (t=61100 ms) after ${what} had stood only ${ms} ms, not longer than the result timeout of 60000 ms`;
    expect(violationsOf(raced(100), "timeout-rule")).toEqual([stood(10, "running v4")]);
    expect(violationsOf({ ...raced(100), decisionsPutInStoreOrder: true }, "timeout-rule")).toEqual([]);
    expect(violationsOf({ ...raced(2_000), decisionsPutInStoreOrder: true }, "timeout-rule")).toEqual([stood(59_100, "receivedByNode v3")]);
  });

  it("fails a hub that times out a result that is already final", () => {
    const e = correctRecord([...STEPS, timedOut(70_000, "site-a", 6)], TIMEOUT);
    expect(violationsOf(e, "timeout-rule")).toEqual([
      `result ${Q}:site-a: timedOut stored at decision #14 (t=70000 ms) though its current state was already final: completed v5 (count 40)`,
    ]);
  });

  it("fails a hub that keeps timedOut over the site's late final", () => {
    const e = correct();
    const d = decisionOf(e, "site-b", "completed", 4);
    d.current = result("site-b", 4, "timedOut");
    expect(violationsOf(e, "timeout-rule")).toEqual([
      `result ${Q}:site-b: the site's final completed v4 (count 25) at decision #${d.n} (t=62000 ms) did not replace timedOut: outcome conflict-rebased, current timedOut v4`,
    ]);
  });
});

describe("timeout-prompt", () => {
  // site-b receives the query at t=100 and says nothing more: due to time out by t=100 + 60000 + 5000.
  const quiet = (...after: Step[]): Step[] => [...fanOut(["site-b"]), node(100, "site-b", 3, "receivedByNode"), ...after];

  it("holds for a timedOut stored at the last moment the timeout and one sweep allow", () => {
    expect(violationsOf(correctRecord(quiet(timedOut(65_100, "site-b", 4)), TIMEOUT), "timeout-prompt")).toEqual([]);
  });

  it("fails a hub that stores timedOut later than the timeout and one sweep", () => {
    expect(violationsOf(correctRecord(quiet(timedOut(66_100, "site-b", 4)), TIMEOUT), "timeout-prompt")).toEqual([
      `result ${Q}:site-b: receivedByNode v3 stood from t=100 ms and was due to time out by t=65100 ms (the result timeout of 60000 ms and a sweep of 5000 ms), but timedOut was stored only at decision #5 (t=66100 ms)`,
    ]);
  });

  it("fails a hub that never times out a result the site answers only long after", () => {
    expect(violationsOf(correctRecord(quiet(node(70_000, "site-b", 4, "completed", { count: 25 })), TIMEOUT), "timeout-prompt")).toEqual([
      `result ${Q}:site-b: receivedByNode v3 stood from t=100 ms and was due to time out by t=65100 ms (the result timeout of 60000 ms and a sweep of 5000 ms), but it moved to completed v4 (count 25) with no timedOut at decision #5 (t=70000 ms)`,
    ]);
  });

  it("does not judge a result while the duties were held back, nor a run on the wall clock", () => {
    const late = correctRecord(quiet(timedOut(66_100, "site-b", 4)), TIMEOUT);
    expect(violationsOf({ ...late, dutiesHeldBack: [{ from: T0 + 30_000, to: T0 + 40_000 }] }, "timeout-prompt")).toEqual([]);
    expect(violationsOf({ ...late, clock: "wall" }, "timeout-prompt")).toEqual([]);
  });
});

describe("done-prompt", () => {
  // site-a's completed at t=300 finishes the dispatched query: done is due in that step.
  const finished = (doneAt: number): Step[] => [
    ...fanOut(["site-a"]),
    { at: 50, kind: "query", origin: "hub", state: query(2, "dispatched", ["site-a"]) },
    node(300, "site-a", 3, "completed", { count: 40 }),
    { at: doneAt, kind: "query", origin: "hub", state: query(3, "done", ["site-a"]) },
  ];

  it("holds for a query marked done in the step that finished it", () => {
    expect(violationsOf(correctRecord(finished(300), TIMEOUT), "done-prompt")).toEqual([]);
  });

  it("fails a hub that leaves done to a later sweep, and not while the duties were held back", () => {
    const late = correctRecord(finished(2_300), TIMEOUT);
    expect(violationsOf(late, "done-prompt")).toEqual([
      `query ${Q}: dispatched with every result final at t=300 ms, but done was decided only at decision #6 (t=2300 ms)`,
    ]);
    expect(violationsOf({ ...late, dutiesHeldBack: [{ from: T0 + 1_000, to: T0 + 2_000 }] }, "done-prompt")).toEqual([]);
  });
});

describe("ack-after-commit", () => {
  it("fails a hub that acks a result-update when it receives it, before its store step resolves", () => {
    const e = correct();
    const ack = e.settlements.find((s) => s.messageId === "m-site-a-200") as { seq: number };
    ack.seq = 0;
    expect(violationsOf(e, "ack-after-commit")).toEqual([
      "result-update m-site-a-200 was acked at t=200 ms before the store step that held it resolved",
    ]);
  });

  it("fails a hub that acks a burst its store refused, and passes heartbeats, which no store step holds", () => {
    const e = correct();
    const commits = e.commits.filter((c) => !c.messageIds.includes("m-site-a-300"));
    const heartbeat = { seq: 999, at: T0, messageId: "hb-1", type: "node-heartbeat", how: "ack" as const };
    expect(violationsOf({ ...e, commits, settlements: [...e.settlements, heartbeat] }, "ack-after-commit")).toEqual([
      "result-update m-site-a-300 was acked at t=300 ms and no store step ever held it",
    ]);
  });
});

describe("steps-not-empty", () => {
  it("passes steps that each propose something, and fails a hub that made steps with none, saying how many and when the first was", () => {
    const e = correct();
    expect(violationsOf(e, "steps-not-empty")).toEqual([]);
    const empty = (seq: number, at: number) => ({ seq, at: T0 + at, messageIds: [], proposals: 0 });
    expect(violationsOf({ ...e, commits: [...e.commits, empty(901, 400), empty(902, 450)] }, "steps-not-empty")).toEqual([
      "the hub made 2 store steps with no proposal, the first at t=400 ms",
    ]);
  });
});

describe("nack-after-fault", () => {
  const nack = (seq: number) => ({ seq, at: T0 + 700, messageId: "m-1", type: "result-update", how: "nack" as const });
  const failed = (seq: number, fault?: "storeFault" | "hubCrash") => ({
    seq,
    at: T0 + 650,
    messageIds: ["m-1"],
    ...(fault && { fault }),
    error: fault ? "the store step failed" : "key taken by another writer",
  });

  it("passes a hub that gives back each copy whose store step a fault of the run failed", () => {
    const e = correct();
    const given = {
      ...e,
      failedSteps: [failed(900, "storeFault"), failed(902, "hubCrash")],
      settlements: [...e.settlements, nack(901), nack(903)],
    };
    expect(violationsOf(given, "nack-after-fault")).toEqual([]);
  });

  it("fails a hub that gives back a copy whose step failed with no fault, or gives one back twice for one failure", () => {
    const e = correct();
    const raced = { ...e, failedSteps: [failed(900)], settlements: [...e.settlements, nack(901)] };
    expect(violationsOf(raced, "nack-after-fault")).toEqual([
      "result-update m-1 was given back to the broker at t=700 ms after its store step failed with no fault of the run: key taken by another writer",
    ]);
    const twice = { ...e, failedSteps: [failed(900, "storeFault")], settlements: [...e.settlements, nack(899), nack(901)] };
    expect(violationsOf(twice, "nack-after-fault")).toEqual([
      "result-update m-1 was given back to the broker at t=700 ms with no store step of it failed by a fault of the run",
    ]);
  });
});

describe("heartbeats-heard", () => {
  const handed = { seq: 900, at: T0 + 500, messageId: "hb-1", type: "node-heartbeat" };
  const settled = (how: "ack" | "nack" | "deadLetter") => ({ seq: 901, at: T0 + 500, messageId: "hb-1", type: "node-heartbeat", how });

  it("fails a hub that was handed a heartbeat and never acked it, and passes one that acked it", () => {
    const e = correct();
    expect(violationsOf({ ...e, receipts: [...e.receipts, handed] }, "heartbeats-heard")).toEqual([
      "heartbeat hb-1, handed to the hub at t=500 ms, was never acked",
    ]);
    const heard = { ...e, receipts: [...e.receipts, handed], settlements: [...e.settlements, settled("ack")] };
    expect(violationsOf(heard, "heartbeats-heard")).toEqual([]);
  });

  it("fails a hub that dead-letters a site's heartbeat, and passes one that dead-letters a forged one", () => {
    const e = { ...correct(), receipts: [...correct().receipts, handed], settlements: [...correct().settlements, settled("deadLetter")] };
    expect(violationsOf(e, "heartbeats-heard")).toEqual([
      "heartbeat hb-1 was dead-lettered by the hub at t=500 ms",
      "heartbeat hb-1, handed to the hub at t=500 ms, was never acked",
    ]);
    expect(violationsOf({ ...e, forged: ["hb-1"] }, "heartbeats-heard")).toEqual([]);
  });
});

describe("graceful-stop", () => {
  const handed = (seq: number) => ({ seq, at: T0 + 500, messageId: "m-1", type: "result-update" });
  const settled = (seq: number) => ({ seq, at: T0 + 600, messageId: "m-1", type: "result-update", how: "ack" as const });
  const stop = { since: 899, seq: 910, at: T0 + 1_000 };
  const run = (receipts: ReturnType<typeof handed>[], settlements: ReturnType<typeof settled>[]) => {
    const e = correct();
    return { ...e, receipts: [...e.receipts, ...receipts], settlements: [...e.settlements, ...settlements], gracefulStops: [stop] };
  };
  const late =
    "result-update m-1, handed to the hub at t=500 ms, was not settled by it before its graceful stop closed its connection at t=1000 ms";

  it("fails a hub that settles a delivery only after its graceful stop closed its connection, or never", () => {
    expect(violationsOf(run([handed(900)], [settled(911)]), "graceful-stop")).toEqual([late]);
    expect(violationsOf(run([handed(900)], []), "graceful-stop")).toEqual([late]);
  });

  it("fails a redelivery left unsettled though the first copy was settled, and passes a hub that settled each copy", () => {
    expect(violationsOf(run([handed(900), handed(902)], [settled(901)]), "graceful-stop")).toEqual([late]);
    expect(violationsOf(run([handed(900), handed(902)], [settled(901), settled(903)]), "graceful-stop")).toEqual([]);
  });

  it("asks nothing of deliveries handed to an earlier hub, before the stopped one started", () => {
    expect(violationsOf(run([handed(800)], []), "graceful-stop")).toEqual([]);
  });
});

describe("forgeries-refused", () => {
  const handed = { seq: 900, at: T0 + 500, messageId: "forged-1", type: undefined };
  const settled = (how: "ack" | "nack" | "deadLetter") => ({ seq: 901, at: T0 + 500, messageId: "forged-1", type: undefined, how });
  const withForgery = (settlements: ReturnType<typeof settled>[]) => {
    const e = correct();
    return { ...e, forged: ["forged-1"], receipts: [...e.receipts, handed], settlements: [...e.settlements, ...settlements] };
  };

  it("fails a hub that was handed a forged message and never settled it, and passes one that dead-lettered it", () => {
    expect(violationsOf(withForgery([]), "forgeries-refused")).toEqual([
      "forged message forged-1, handed to the hub at t=500 ms, was never settled by it (the broker redelivers it until its delivery limit)",
    ]);
    expect(violationsOf(withForgery([settled("deadLetter")]), "forgeries-refused")).toEqual([]);
  });

  it("fails a hub that acks a forged message, and passes one that gave it back when its store step failed", () => {
    expect(violationsOf(withForgery([settled("ack")]), "forgeries-refused")).toEqual(["forged message forged-1 was acked at t=500 ms"]);
    expect(violationsOf(withForgery([settled("nack")]), "forgeries-refused")).toEqual([]);
  });
});

describe("liveness-whole", () => {
  const beats = [0, 10_000, 20_000, 30_000].map((t) => ({ at: T0 + t, nodeId: "site-a", messageId: `hb-${t}` }));
  const read = (lastHeartbeat: number | null) => ({
    replica: 1,
    at: T0 + 35_000,
    since: T0 + 5_000,
    heartbeatMs: 10_000,
    sites: [{ nodeId: "site-a", lastHeartbeat }],
  });
  const withRead = (lastHeartbeat: number | null) => ({ ...correct(), heartbeats: beats, liveness: [read(lastHeartbeat)] });

  it("fails a replica that missed a site's last heartbeat due, and passes one that heard it or a later one", () => {
    expect(violationsOf(withRead(T0 + 10_000), "liveness-whole")).toEqual([
      "replica 1 last heard site-a at t=10000 ms, but its heartbeat hb-20000 was published at t=20000 ms",
    ]);
    expect(violationsOf(withRead(null), "liveness-whole")).toEqual([
      "replica 1 last heard site-a never, but its heartbeat hb-20000 was published at t=20000 ms",
    ]);
    expect(violationsOf(withRead(T0 + 20_000), "liveness-whole")).toEqual([]);
    expect(violationsOf(withRead(T0 + 30_000), "liveness-whole")).toEqual([]);
  });

  it("asks nothing of a heartbeat published before the replica ran, nor of a forged one, nor on the wall clock", () => {
    const early = { ...withRead(null), liveness: [{ ...read(null), since: T0 + 25_000 }] };
    expect(violationsOf(early, "liveness-whole")).toEqual([]);
    expect(violationsOf({ ...withRead(T0 + 10_000), forged: ["hb-20000"] }, "liveness-whole")).toEqual([]);
    expect(violationsOf({ ...withRead(null), clock: "wall" as const }, "liveness-whole")).toEqual([]);
  });

  it("fails a replica that heard a site only from a forged heartbeat in its name", () => {
    const heard = {
      ...withRead(T0 + 30_000),
      liveness: [{ ...read(T0 + 30_000), sites: [...read(T0 + 30_000).sites, { nodeId: "stranger", lastHeartbeat: T0 + 12_000 }] }],
    };
    const forgedBeat = { at: T0 + 12_000, nodeId: "site-a", messageId: "hb-forged" };
    expect(violationsOf({ ...heard, heartbeats: [...beats, forgedBeat], forged: ["hb-forged"] }, "liveness-whole")).toEqual([
      "replica 1 last heard stranger at t=12000 ms, but stranger published no heartbeat of its own",
    ]);
    expect(
      violationsOf(
        {
          ...heard,
          liveness: [{ ...read(T0 + 30_000), sites: [...read(T0 + 30_000).sites, { nodeId: "stranger", lastHeartbeat: null }] }],
        },
        "liveness-whole",
      ),
    ).toEqual([]);
  });
});

describe("metrics-tally", () => {
  /** The counters of a hub that counts what the record holds. */
  const tallied = (e: RunEvidence): HubCounters => {
    const outcomes: Record<string, number> = { rejected: 0 };
    for (const d of e.decisions) outcomes[d.outcome] = (outcomes[d.outcome] ?? 0) + 1;
    const nodeDecisions = e.decisions.filter((d) => d.origin === "node").length;
    return {
      messages: { "result-update": e.receipts.length, "node-heartbeat": 0 },
      redeliveries: 0,
      deadLetters: 0,
      outcomes,
      applyLatency: { count: nodeDecisions, sum: 0.25 * nodeDecisions },
    };
  };

  it("passes a hub whose counters tally the record, and judges nothing without counters", () => {
    const e = correct();
    expect(violationsOf({ ...e, counters: tallied(e) }, "metrics-tally")).toEqual([]);
    expect(violationsOf(e, "metrics-tally")).toEqual([]);
  });

  it("fails a hub that counts every delivery as redelivered, a refusal under no outcome, and latency in milliseconds", () => {
    const e = correct();
    const c = tallied(e);
    const refused = { seq: 900, at: T0 + 500, messageId: "forged-1", type: undefined };
    const broken = {
      ...e,
      receipts: [...e.receipts, refused],
      settlements: [...e.settlements, { ...refused, seq: 901, how: "deadLetter" as const }],
      counters: {
        ...c,
        redeliveries: e.receipts.length + 1,
        deadLetters: 1,
        outcomes: { ...c.outcomes, "": 1 },
        applyLatency: { ...c.applyLatency, sum: 250 * c.applyLatency.count },
      },
    };
    expect(violationsOf(broken, "metrics-tally")).toEqual([
      `qnet_redeliveries_total is ${e.receipts.length + 1}, but the run recorded 0 deliveries handed to the hub flagged redelivered`,
      `qnet_apply_outcomes_total{outcome=""} is 1, but the run recorded 0 decisions of that outcome`,
      'qnet_apply_outcomes_total{outcome="rejected"} is 0, but the run recorded 1 messages the hub refused and dead-lettered',
      `qnet_apply_latency_seconds_sum is ${250 * c.applyLatency.count} over ${c.applyLatency.count} observations: not within 0 and ${c.applyLatency.count} times the run's 62.1 s`,
    ]);
  });
});

describe("duplicates-match-store", () => {
  it("fails a hub whose store calls a different state at a stored version a duplicate", () => {
    const e = correct();
    const d = decisionOf(e, "site-a", "receivedByNode", 3);
    const again = e.decisions.filter((x) => x.id === d.id && x.outcome === "duplicate")[0] as Decision;
    again.proposed = result("site-a", 3, "receivedByNode", { statusMessage: "another" });
    expect(violationsOf(e, "duplicates-match-store")).toEqual([
      `result ${Q}:site-a: decision #${again.n} (t=250 ms) called receivedByNode v3 a duplicate, but the store holds a different state at v3: receivedByNode v3`,
    ]);
  });

  it("fails a hub that calls a state a duplicate at a version nothing is stored at", () => {
    const e = correct();
    const d = decisionOf(e, "site-b", "running", 4);
    Object.assign(d, { outcome: "duplicate", proposed: result("site-b", 9, "running") });
    expect(violationsOf(e, "duplicates-match-store")).toEqual([
      `result ${Q}:site-b: decision #${d.n} (t=62100 ms) called running v9 a duplicate, but the store holds nothing at v9`,
    ]);
  });
});

describe("conflicts-recorded", () => {
  it("fails a hub whose conflict log lost a conflict it decided", () => {
    const e = correct();
    const [{ states, conflicts }] = e.stored as [RunEvidence["stored"][number]];
    const kept = conflicts.filter((c) => c.resolution !== "discarded");
    expect(violationsOf({ ...e, stored: [{ states, conflicts: kept }] }, "conflicts-recorded")).toEqual([
      `${Q}:site-b: the hub decided 2 conflict(s) [v4 rebased to v5 from message m-site-b-62000; v4 discarded from message m-site-b-62100], the conflict log holds 1 [v4 rebased to v5 from message m-site-b-62000]`,
    ]);
  });

  it("fails a hub that logs a rebased conflict as discarded", () => {
    const e = correct();
    const [{ conflicts }] = e.stored as [RunEvidence["stored"][number]];
    Object.assign(conflicts[0] as object, { resolution: "discarded", rebasedTo: null });
    expect(violationsOf(e, "conflicts-recorded")).toEqual([
      `${Q}:site-b: the hub decided 2 conflict(s) [v4 rebased to v5 from message m-site-b-62000; v4 discarded from message m-site-b-62100], the conflict log holds 2 [v4 discarded from message m-site-b-62000; v4 discarded from message m-site-b-62100]`,
    ]);
  });

  it("fails a hub that logs a conflict without the message that carried it", () => {
    const e = correct();
    const [{ conflicts }] = e.stored as [RunEvidence["stored"][number]];
    Object.assign(conflicts[1] as object, { messageId: null });
    expect(violationsOf(e, "conflicts-recorded")).toEqual([
      `${Q}:site-b: the hub decided 2 conflict(s) [v4 rebased to v5 from message m-site-b-62000; v4 discarded from message m-site-b-62100], the conflict log holds 2 [v4 rebased to v5 from message m-site-b-62000; v4 discarded from the hub]`,
    ]);
  });
});

describe("stored-as-decided", () => {
  it("fails a hub whose store keeps a node's state without the message that carried it, under another outcome, or as another kind of item", () => {
    const e = correct();
    const [{ states }] = e.stored as [RunEvidence["stored"][number]];
    const d = decisionOf(e, "site-a", "running", 4);
    const record = states.find((s) => s.id === d.id && s.itemVersion === 4);
    Object.assign(record as object, { messageId: null });
    expect(violationsOf(e, "stored-as-decided")).toEqual([
      `result ${Q}:site-a: decision #${d.n} (t=200 ms) stored v4 as applied from message m-site-a-200, the store holds applied from the hub at v4`,
    ]);
    Object.assign(record as object, { messageId: "m-site-a-200", outcome: "applied-late" });
    expect(violationsOf(e, "stored-as-decided")).toEqual([
      `result ${Q}:site-a: decision #${d.n} (t=200 ms) stored v4 as applied from message m-site-a-200, the store holds applied-late from message m-site-a-200 at v4`,
    ]);
    Object.assign(record as object, { outcome: "applied", kind: "query" });
    expect(violationsOf(e, "stored-as-decided")).toEqual([
      `result ${Q}:site-a: decision #${d.n} (t=200 ms) stored v4 as applied from message m-site-a-200, the store holds a query state applied from message m-site-a-200 at v4`,
    ]);
  });

  it("fails a store that reads a state back otherwise than it was decided: another createDate, say", () => {
    const e = correct();
    const [{ states }] = e.stored as [RunEvidence["stored"][number]];
    const d = decisionOf(e, "site-a", "running", 4);
    const record = states.find((s) => s.id === d.id && s.itemVersion === 4) as StoredRecord;
    const versionInfo = { ...record.state.versionInfo, createDate: "2025-12-31T00:00:00.000Z" };
    Object.assign(record, { state: { ...record.state, versionInfo } });
    expect(violationsOf(e, "stored-as-decided")).toEqual([
      `result ${Q}:site-a: decision #${d.n} (t=200 ms) stored running v4 from message m-site-a-200, the store holds running v4 at v4 (other fields differ)`,
    ]);
  });

  it("fails a store that holds conflict records beyond the run's queries' histories", () => {
    const e = correct();
    const counts = e.storeCounts as { states: number; conflicts: number };
    expect(violationsOf({ ...e, storeCounts: { ...counts, conflicts: counts.conflicts + 3 } }, "stored-as-decided")).toEqual([
      `the store counts ${counts.states} states and ${counts.conflicts + 3} conflict records, the histories of the run's queries hold ${counts.states} and ${counts.conflicts}`,
    ]);
  });

  it("fails a store whose answer for one item is not what its query's history holds of it", () => {
    const e = correct();
    const item = e.items.find((i) => i.id === `${Q}:site-a`) as RunEvidence["items"][number];
    const [first, ...rest] = item.states as [StoredRecord, ...StoredRecord[]];
    const reordered = { ...item, states: [...rest, first] };
    const problems = violationsOf({ ...e, items: e.items.map((i) => (i === item ? reordered : i)) }, "stored-as-decided");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^result ${Q}:site-a: the store answers its states as \\[v2 at .*, v1 at `));
  });

  it("fails a store whose history of a query lists its states out of store order", () => {
    const e = correct();
    const [{ states, conflicts }] = e.stored as [RunEvidence["stored"][number]];
    const reversed = [...states].reverse();
    expect(violationsOf({ ...e, stored: [{ states: reversed, conflicts }] }, "stored-as-decided")).toEqual([
      `query ${Q}: its history lists its states out of store order (positions ${reversed.map((s) => s.seq).join(", ")})`,
    ]);
  });

  it("fails a store that holds something for a query the run never made", () => {
    const e = correct();
    const [{ states }] = e.stored as [RunEvidence["stored"][number]];
    expect(violationsOf({ ...e, unknownQuery: { states: states.slice(0, 1), conflicts: [] } }, "stored-as-decided")).toEqual([
      "the store holds 1 states and 0 conflict records for a query the run never made",
    ]);
  });

  it("fails a store that gives no count of what it holds", () => {
    const e = correct();
    const counts = e.storeCounts as { states: number; conflicts: number };
    expect(violationsOf({ ...e, storeCounts: undefined }, "stored-as-decided")).toEqual([
      `the store counts nothing, the histories of the run's queries hold ${counts.states} and ${counts.conflicts}`,
    ]);
  });
});

describe("stored-in-order", () => {
  it("fails a store whose positions disagree with the order of the hub's decisions", () => {
    const e = correct();
    const [{ states, conflicts }] = e.stored as [RunEvidence["stored"][number]];
    const rebased = states.find((s) => s.outcome === "conflict-rebased") as StoredRecord;
    const discarded = conflicts.find((c) => c.resolution === "discarded") as RunEvidence["stored"][number]["conflicts"][number];
    const later = decisionOf(e, "site-b", "running", 4);
    const earlier = decisionOf(e, "site-b", "completed", 4);
    Object.assign(discarded, { seq: rebased.seq - 0.5 });
    expect(violationsOf(e, "stored-in-order")).toEqual([
      `result ${Q}:site-b: decision #${later.n} (t=62100 ms, conflict-discarded) wrote at store position ${rebased.seq - 0.5}, before position ${Math.max(rebased.seq, ...conflicts.filter((c) => c.resolution === "rebased").map((c) => c.seq))} of decision #${earlier.n}, which the hub decided first`,
    ]);
  });
});

describe("monotone-reads", () => {
  it("fails a view that a reader sees step back within a stage: progress states count", () => {
    const e = correct();
    const at = T0 + 400;
    const seen = (source: "event" | "poll", itemVersion: number) => ({
      at,
      source,
      queryId: Q,
      nodeId: "site-a",
      stage: 700,
      itemVersion,
      status: "running",
    });
    const observations = [...e.observations.filter((o) => o.nodeId !== "site-a"), seen("event", 5), seen("poll", 4)];
    expect(violationsOf({ ...e, observations }, "monotone-reads")).toEqual([
      `result ${Q}:site-a: a reader saw running v5 (an event), then running v4 (a poll) at t=400 ms`,
    ]);
  });
});

describe("view-equals-model", () => {
  it("fails a view that still shows a state the site's late final replaced", () => {
    const e = correct();
    const [picture] = e.live as [RunEvidence["live"][number]];
    const results = picture.results.map((r) => (r.nodeId === "site-b" ? result("site-b", 4, "timedOut") : r));
    expect(violationsOf({ ...e, live: [{ ...picture, results }] }, "view-equals-model")).toEqual([
      `result ${Q}:site-b: the view shows timedOut v4, the model's current state is completed v5 (count 25)`,
    ]);
  });

  it("notices a field that differs where version and status agree", () => {
    const e = correct();
    const [picture] = e.live as [RunEvidence["live"][number]];
    const results = picture.results.map((r) => (r.nodeId === "site-a" ? { ...r, count: 41 } : r));
    expect(violationsOf({ ...e, live: [{ ...picture, results }] }, "view-equals-model")).toEqual([
      `result ${Q}:site-a: the view shows completed v5 (count 41), the model's current state is completed v5 (count 40) (same version and status, other fields differ)`,
    ]);
  });
});

describe("the invariants restated over plain data", () => {
  it("no-double-count fails a view that shows a site twice", () => {
    const e = correct();
    const [picture] = e.live as [RunEvidence["live"][number]];
    const nodes = [...picture.read.nodes, picture.read.nodes[0] as RunEvidence["live"][number]["read"]["nodes"][number]];
    const broken = { ...picture, read: { ...picture.read, nodes } };
    expect(violationsOf({ ...e, live: [broken] }, "no-double-count")).toEqual([
      `query ${Q}: site site-a has more than one row`,
      `query ${Q}: 3 rows for 2 sites`,
      `query ${Q}: totalCount 65 over 2 sites, but the sites' counts sum to 105 over 3`,
    ]);
  });

  it("no-double-count fails a view whose rows are not in node id order", () => {
    const e = correct();
    const [picture] = e.live as [RunEvidence["live"][number]];
    const broken = { ...picture, read: { ...picture.read, nodes: [...picture.read.nodes].reverse() } };
    expect(violationsOf({ ...e, live: [broken] }, "no-double-count")).toEqual([
      `query ${Q}: the rows are not in node id order: site-b before site-a`,
    ]);
  });

  it("rebuild-equals-live fails a store replay that shows another state than the live view", () => {
    const e = correct();
    const [picture] = e.live as [RunEvidence["live"][number]];
    const results = picture.results.filter((r) => r.nodeId !== "site-b");
    expect(violationsOf({ ...e, rebuilt: [{ ...picture, results }] }, "rebuild-equals-live")).toEqual([
      expect.stringMatching(new RegExp(`^live != rebuilt: result ${Q}:site-b: \\{.*"status":"completed".*\\} != only in the live view$`)),
    ]);
  });

  it("obfuscation-bounds fails a count farther from the truth than the noise allows", () => {
    const e = correct();
    const truths = new Map([...e.truths].map(([id, told]) => [id, id.endsWith("site-a") ? [{ trueCount: 90, reportedCount: 40 }] : told]));
    expect(violationsOf({ ...e, truths }, "obfuscation-bounds")).toEqual([
      `result ${Q}:site-a: reported 40 for a true count of 90 (bound ±12.5, low limit 10)`,
    ]);
  });

  it("obfuscation-bounds judges a count by the agent that reported it, when two agents of one site counted apart", () => {
    const e = correct();
    const counted = (...told: [number, number][]) =>
      new Map(
        [...e.truths].map(([id, t]) => [
          id,
          id.endsWith("site-a") ? told.map(([trueCount, reportedCount]) => ({ trueCount, reportedCount })) : t,
        ]),
      );
    // The view shows 40: the twin with 38 patients reported it.
    expect(violationsOf({ ...e, truths: counted([400, 395], [38, 40]) }, "obfuscation-bounds")).toEqual([]);
    // The agent that reported 40 had 400 patients: a count far off its truth, though the other agent's truth is near it.
    expect(violationsOf({ ...e, truths: counted([400, 40], [38, 35]) }, "obfuscation-bounds")).toEqual([
      `result ${Q}:site-a: reported 40 for a true count of 400 (bound ±12.5, low limit 10)`,
    ]);
    // No agent reported 40: judged against every truth.
    expect(violationsOf({ ...e, truths: counted([400, 395], [90, 85]) }, "obfuscation-bounds")).toEqual([
      `result ${Q}:site-a: reported 40 for a true count of 400 or 90 (bound ±12.5, low limit 10)`,
    ]);
  });

  it("convergence takes any of the finals of the highest stage the site's writers proposed; the model says which", () => {
    const e = correct();
    const rival = { at: T0 + 301, nodeId: "site-a", messageId: "twin", result: result("site-a", 6, "completed", { count: 45 }) };
    expect(violationsOf({ ...e, updates: [...e.updates, rival] }, "convergence")).toEqual([]);
    const failed = { ...rival, result: result("site-a", 9, "failed") };
    expect(violationsOf({ ...e, updates: [...e.updates, failed] }, "convergence")).toEqual([]);
    const [picture] = e.live as [RunEvidence["live"][number]];
    const nodes = picture.read.nodes.map((n) => (n.nodeId === "site-a" ? { ...n, status: "failed", stage: 1200, count: null } : n));
    expect(
      violationsOf({ ...e, updates: [...e.updates, failed], live: [{ ...picture, read: { ...picture.read, nodes } }] }, "convergence"),
    ).toEqual([`result ${Q}:site-a: the view shows failed v5, the site's final proposal is completed count 40`]);
  });

  it("convergence fails a view that ends on a state the site did not finish with", () => {
    const e = correct();
    const updates = e.updates.map((u) =>
      u.result.id.endsWith("site-a") && u.result.status === "completed" ? { ...u, result: { ...u.result, count: 45 } } : u,
    );
    expect(violationsOf({ ...e, updates }, "convergence")).toEqual([
      `result ${Q}:site-a: the view shows completed count 40 v5, the site's final proposal is completed count 45`,
    ]);
  });
});

describe("display-text", () => {
  it("fails a reader shown words other than the protocol's for the state behind the row", () => {
    const e = correct();
    const observations = e.observations.map((o) =>
      o.nodeId === "site-a" && o.status === "running" ? { ...o, statusText: "Processing at site" } : o,
    );
    expect(violationsOf({ ...e, observations }, "display-text")).toEqual([
      `result ${Q}:site-a: at t=200 ms an event of running v4 shows statusText "Processing at site", not "Processing at site (50%)"`,
    ]);
  });

  it("fails a view that words a count, a failure or a total wrong, or shows breakdowns its state does not carry", () => {
    const e = correct();
    const [picture] = e.live as [RunEvidence["live"][number]];
    const nodes = picture.read.nodes.map((n) =>
      n.nodeId === "site-a" ? { ...n, countDisplay: null, breakdowns: [] } : { ...n, statusText: "Completed (25)" },
    );
    const broken = { ...picture, read: { ...picture.read, nodes, summary: { ...picture.read.summary, totalDisplay: "at least 65" } } };
    expect(violationsOf({ ...e, live: [broken] }, "display-text")).toEqual([
      `query ${Q} in the live view: totalDisplay "at least 65", not "65"`,
      `result ${Q}:site-a in the live view: the row of completed v5 shows countDisplay null, not "40"`,
      `result ${Q}:site-a in the live view: the row of completed v5 shows breakdowns [], its state carries none (null)`,
      `result ${Q}:site-b in the live view: the row of completed v5 shows statusText "Completed (25)", not "Completed"`,
    ]);
  });

  it("fails a row whose breakdown cells are not its state's, in number, words or label", () => {
    const e = correct();
    const [picture] = e.live as [RunEvidence["live"][number]];
    const cells = { female: 20, male: -1 };
    const results = picture.results.map((r) => (r.nodeId === "site-a" ? { ...r, breakdowns: { sex: cells } } : r));
    const shown = (female: string, label: string | undefined) => [
      {
        kind: "sex",
        label: "Sex",
        shrineType: "PATIENT_GENDER_COUNT_XML",
        cells: [
          { cell: "female", label, count: 20, countDisplay: female },
          { cell: "male", label: "Male", count: -1, countDisplay: "10 patients or fewer" },
        ],
      },
    ];
    const withRow = (breakdowns: ReturnType<typeof shown>) => ({
      ...picture,
      results,
      read: { ...picture.read, nodes: picture.read.nodes.map((n) => (n.nodeId === "site-a" ? { ...n, breakdowns } : n)) },
    });
    const only = (p: RunEvidence["live"][number]) => violationsOf({ ...e, live: [p], rebuilt: [p], replicas: [] }, "display-text");
    expect(only(withRow(shown("20", "Female")))).toEqual([]);
    expect(only(withRow(shown("20 patients", undefined)))).toEqual([
      `result ${Q}:site-a in the live view: the row of completed v5 shows sex cell female shows 20 "20 patients" labelled undefined, its state 20 "20"`,
      `result ${Q}:site-a in the rebuilt view: the row of completed v5 shows sex cell female shows 20 "20 patients" labelled undefined, its state 20 "20"`,
    ]);
  });
});

describe("display-text, the row's fields and the summary's tallies", () => {
  it("fails a row whose fields are not its state's, and tallies that are not the rows'", () => {
    const e = correct();
    const [picture] = e.live as [RunEvidence["live"][number]];
    const nodes = picture.read.nodes.map((n) => (n.nodeId === "site-a" ? { ...n, progress: null, statusMessage: null } : n));
    const summary = { ...picture.read.summary, completed: 2, failed: 1, pending: 0 };
    const broken = { ...picture, read: { ...picture.read, nodes, summary } };
    expect(violationsOf({ ...e, live: [broken], rebuilt: [], replicas: [] }, "display-text")).toEqual([
      `query ${Q} in the live view: summary.failed 1, not 0`,
      `result ${Q}:site-a in the live view: the row of completed v5 shows progress null, not 1`,
    ]);
  });
});

describe("done-when-final", () => {
  const withDone = (doneAt: number): Step[] => [
    ...fanOut(["site-a"]),
    { at: 50, kind: "query", origin: "hub", state: query(2, "dispatched", ["site-a"]) },
    node(300, "site-a", 3, "completed", { count: 40 }),
    { at: doneAt, kind: "query", origin: "hub", state: query(3, "done", ["site-a"]) },
  ];

  it("holds for a query marked done once its results are final", () => {
    expect(violationsOf(correctRecord(withDone(300), TIMEOUT), "done-when-final")).toEqual([]);
  });

  it("fails a hub that marks a query done while a result is still open", () => {
    const early = correctRecord(
      withDone(200).sort((a, b) => a.at - b.at),
      TIMEOUT,
    );
    expect(violationsOf(early, "done-when-final")).toEqual([
      `query ${Q}: the hub proposed done at decision #5 (t=200 ms) while ${Q}:site-a was sentToNode`,
    ]);
  });
});

describe("stops-clean", () => {
  const e = correctRecord(fanOut(["site-a"]), TIMEOUT);

  it("holds when nothing is left scheduled after the run stopped, or the clock cannot tell", () => {
    expect(violationsOf({ ...e, leftScheduled: 0 }, "stops-clean")).toEqual([]);
    expect(violationsOf(e, "stops-clean")).toEqual([]);
  });

  it("fails a run whose participants left a timer scheduled past their stop", () => {
    expect(violationsOf({ ...e, leftScheduled: 2 }, "stops-clean")).toEqual([
      "2 timers were still scheduled on the run's clock after every participant stopped",
    ]);
  });
});

describe("ends-in-time", () => {
  const e = correctRecord(fanOut(["site-a"]), TIMEOUT);

  it("holds for a run that ended done, or passed its limit with every query settled", () => {
    expect(violationsOf(e, "ends-in-time")).toEqual([]);
    expect(violationsOf({ ...e, unsettledAtLimit: [] }, "ends-in-time")).toEqual([]);
  });

  it("fails a run whose limit passed with a query some replica's view did not show settled", () => {
    expect(violationsOf({ ...e, unsettledAtLimit: [{ queryId: Q, replicas: [0, 2] }] }, "ends-in-time")).toEqual([
      "the scenario's limit passed with the query not shown settled by hub replica 0, 2",
    ]);
  });
});

describe("starts-from-snapshot", () => {
  const e = correctRecord(fanOut(["site-a"]), TIMEOUT);
  const saved = [
    { at: T0 + 5_000, position: 40 },
    { at: T0 + 10_000, position: 61 },
  ];
  const withStarts = (
    starts: { at: number; from: number }[],
    clock: RunEvidence["clock"] = "virtual",
    failed: { at: number; position: number; error: string }[] = [],
  ): RunEvidence => ({
    ...e,
    clock,
    snapshots: { saved, failed, starts: starts.map((s) => ({ replica: 0, ...s })) },
  });

  it("fails a run whose store failed to save a snapshot a hub asked it to, on any clock", () => {
    const failed = [{ at: T0 + 7_000, position: 50, error: "bind message supplies 0 parameters" }];
    const expected = [
      "the hub's store failed to save the view snapshot of store position 50, 7000 ms into the run: bind message supplies 0 parameters",
    ];
    expect(violationsOf(withStarts([], "wall", failed), "starts-from-snapshot")).toEqual(expected);
    expect(violationsOf(withStarts([{ at: T0, from: 0 }], "virtual", failed), "starts-from-snapshot")).toEqual(expected);
  });

  it("holds when each hub began at the newest snapshot saved before it started, or one saved in that instant", () => {
    expect(
      violationsOf(
        withStarts([
          { at: T0, from: 0 },
          { at: T0 + 9_000, from: 40 },
          { at: T0 + 10_000, from: 61 },
        ]),
        "starts-from-snapshot",
      ),
    ).toEqual([]);
    expect(violationsOf(withStarts([{ at: T0 + 10_000, from: 40 }]), "starts-from-snapshot")).toEqual([]);
  });

  it("holds when the run cannot see the hubs start, or runs on the wall clock", () => {
    expect(violationsOf(e, "starts-from-snapshot")).toEqual([]);
    expect(violationsOf(withStarts([{ at: T0 + 12_000, from: 0 }], "wall"), "starts-from-snapshot")).toEqual([]);
  });

  it("fails a hub that replayed the whole record, or began at an older snapshot, while a newer one was stored", () => {
    expect(
      violationsOf(
        withStarts([
          { at: T0 + 12_000, from: 0 },
          { at: T0 + 20_000, from: 40 },
        ]),
        "starts-from-snapshot",
      ),
    ).toEqual([
      "hub replica 0 started 12000 ms into the run with its view at store position 0, but the newest view snapshot the store held was of position 61",
      "hub replica 0 started 20000 ms into the run with its view at store position 40, but the newest view snapshot the store held was of position 61",
    ]);
  });
});

describe("feed-after-position", () => {
  const e = correctRecord(fanOut(["site-a"]), TIMEOUT);
  const read = (position: number, states: number[], conflicts: number[], through: number) => ({
    at: T0 + 1_000,
    position,
    states,
    conflicts,
    through,
  });
  const withReads = (...feedReads: ReturnType<typeof read>[]): RunEvidence => ({ ...e, feedReads });

  it("holds for pages after their position, in order, read through their last record, and for empty ones", () => {
    expect(violationsOf(withReads(read(0, [1, 2, 4], [3], 4), read(4, [], [], 4), read(4, [6], [5, 7], 7)), "feed-after-position")).toEqual(
      [],
    );
  });

  it("fails a page that hands a view a record at or before its position, out of order, or past what it reads through", () => {
    expect(
      violationsOf(
        withReads(read(8, [8, 9], [], 9), read(8, [10], [7], 10), read(8, [10, 9], [], 10), read(8, [9, 11], [], 10), read(8, [], [], 6)),
        "feed-after-position",
      ),
    ).toEqual([
      "the page of the store's feed a hub's view read after store position 8 (t=1000 ms) holds a state at position 8, not after it",
      "the page of the store's feed a hub's view read after store position 8 (t=1000 ms) holds a conflict record at position 7, not after it",
      "the page of the store's feed a hub's view read after store position 8 (t=1000 ms) holds a state at position 9 after one at 10",
      "the page of the store's feed a hub's view read after store position 8 (t=1000 ms) reads through 10, short of its state at position 11",
      "the page of the store's feed a hub's view read after store position 8 (t=1000 ms) reads through 6, behind the position it was read from",
    ]);
  });
});

describe("ready-at-end", () => {
  const e = correctRecord(fanOut(["site-a"]), TIMEOUT);

  it("holds when every replica running at the end answers ready, or the run cannot ask", () => {
    expect(violationsOf({ ...e, notReady: [] }, "ready-at-end")).toEqual([]);
    expect(violationsOf(e, "ready-at-end")).toEqual([]);
  });

  it("fails a run in which a running replica answers /readyz not ready once the faults healed", () => {
    expect(violationsOf({ ...e, notReady: [1] }, "ready-at-end")).toEqual([
      "hub replica 1 runs with its faults healed, but GET /readyz answers not ready",
    ]);
  });
});

describe("rejections-named", () => {
  // site-b was never sent the query: the store refuses its result, and the hub dead-letters it.
  const e = correctRecord(
    [...fanOut(["site-a"]), { at: 400, origin: "node", state: result("site-b", 3, "completed", { count: 9 }), messageId: "m-b" }],
    TIMEOUT,
  );
  const withReason = (reason: string): RunEvidence => ({
    ...e,
    settlements: e.settlements.map((s) => (s.how === "deadLetter" ? { ...s, reason } : s)),
  });

  it("holds when each dead letter names the problem the model finds", () => {
    expect(e.settlements.filter((s) => s.how === "deadLetter")).toHaveLength(1);
    expect(violationsOf(e, "rejections-named")).toEqual([]);
  });

  it("fails a dead letter without a reason, and one that names another problem", () => {
    expect(violationsOf(withReason(""), "rejections-named")).toEqual([
      "result-update m-b was dead-lettered at t=400 ms without a reason",
      `message m-b was refused as "query ${Q} was not sent to node site-b", but dead-lettered as "", which does not say "was not sent to node"`,
    ]);
    expect(violationsOf(withReason(`unknown query ${Q}`), "rejections-named")).toEqual([
      `message m-b was refused as "query ${Q} was not sent to node site-b", but dead-lettered as "unknown query ${Q}", which does not say "was not sent to node"`,
    ]);
  });
});

describe("events-complete", () => {
  const events = (e: RunEvidence) => e.observations.filter((o) => o.source === "event");

  it("fails a stream whose last event of a row is not the state the view shows", () => {
    const e = correct();
    const last = events(e)
      .filter((o) => o.nodeId === "site-b")
      .at(-1);
    expect(violationsOf({ ...e, observations: e.observations.filter((o) => o !== last) }, "events-complete")).toEqual([
      `result ${Q}:site-b: the last event the reader read of it shows timedOut v4, the view shows completed v5 (count 25)`,
    ]);
  });

  it("fails an event whose id is not the position of the state it shows, and one that comes again", () => {
    const e = correct();
    const [first, second] = events(e) as [RunEvidence["observations"][number], RunEvidence["observations"][number]];
    const moved = e.observations.map((o) => (o === second ? { ...o, position: first.position } : o));
    expect(violationsOf({ ...e, observations: moved }, "events-complete")).toEqual([
      `result ${Q}:${second.nodeId}: the reader read an event at position ${first.position} after one at ${first.position} (t=0 ms): a stream carries each position once, in store order`,
      `result ${Q}:${second.nodeId}: the reader read ${second.status} v${second.itemVersion} under event id ${first.position} (t=0 ms), where the store holds result ${Q}:${first.nodeId} created v1`,
    ]);
  });

  it("fails an event of a state that was late when stored: one stored before it outranks it", () => {
    const e = correctRecord(
      [...fanOut(["site-a"]), node(100, "site-a", 4, "completed", { count: 40 }), node(200, "site-a", 3, "running")],
      TIMEOUT,
    );
    const late = {
      at: T0 + 200,
      source: "event" as const,
      position: 5,
      queryId: Q,
      nodeId: "site-a",
      stage: 700,
      itemVersion: 3,
      status: "running",
    };
    expect(violationsOf({ ...e, observations: [...e.observations, late] }, "events-complete")).toEqual([
      `result ${Q}:site-a: the reader read running v3 under event id 5 (t=200 ms), which a state stored before it outranks`,
      `result ${Q}:site-a: the last event the reader read of it shows running v3, the view shows completed v4 (count 40)`,
    ]);
  });

  it("fails a stream that never carried a query's state", () => {
    const e = correct();
    expect(violationsOf({ ...e, queryEvents: [] }, "events-complete")).toEqual([
      `query ${Q}: the last event the reader read of it shows nothing, the view shows created v1`,
    ]);
  });
});

describe("changes-complete", () => {
  it("fails a change that does not name the item it moved", () => {
    const e = correct();
    const changes = e.changes.map((c, i) => (i === 1 ? { ...c, kind: "" } : c));
    expect(violationsOf({ ...e, changes }, "changes-complete")).toEqual([
      `the view's listener got a change named (no kind) of query ${Q} and site site-a, of the state created v1 (t=0 ms)`,
    ]);
  });

  it("fails a listener that is not told of a row's last move, or is told one twice", () => {
    const e = correct();
    const last = e.changes.filter((c) => c.nodeId === "site-a").at(-1) as RunEvidence["changes"][number];
    expect(violationsOf({ ...e, changes: e.changes.filter((c) => c !== last) }, "changes-complete")).toEqual([
      `result ${Q}:site-a: the view's listener was last told running v4, the view shows completed v5 (count 40)`,
    ]);
    expect(violationsOf({ ...e, changes: [...e.changes, last] }, "changes-complete")).toEqual([
      `result ${Q}:site-a: the view's listener got completed v5 (count 40) after completed v5 (count 40) (t=300 ms): each change once, in precedence order`,
    ]);
  });
});
