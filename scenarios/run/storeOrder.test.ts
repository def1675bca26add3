import { expect, it } from "vitest";
import { MemoryStore } from "../../shared/store/memory.ts";
import { fanOut, nodeProposal, resultState } from "../../shared/store/testing/proposals.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { History, RecordingStore, type ReplicaReport, type ReportedDecision } from "./history.ts";
import { inStoreOrder } from "./storeOrder.ts";

/** A replica's report held back, as a process's IPC message that reaches the run after another replica's. */
class LateReport implements ReplicaReport {
  private readonly held: ReportedDecision[] = [];
  constructor(private readonly to: History) {}
  decided(d: ReportedDecision): void {
    this.held.push(d);
  }
  committed(): void {}
  settled(): void {}
  arrive(): void {
    for (const d of this.held) this.to.decided(d);
  }
}

/** Two replicas over one store, A's reports held back until `late.arrive()`, after q1's fan-out to site-a. */
async function replicasOfOneStore() {
  const clock = new VirtualClock();
  const store = new MemoryStore({ clock });
  const history = new History(clock);
  const late = new LateReport(history);
  const a = new RecordingStore(store, late, clock);
  const b = new RecordingStore(store, history, clock);
  await b.apply(fanOut("q1", ["site-a"]));
  return { clock, store, history, late, a, b };
}

/** A stores a site's receivedByNode, B gets the same message again and finds it a duplicate, and A's report arrives last. */
async function twoReplicas() {
  const { clock, store, history, late, a, b } = await replicasOfOneStore();
  await a.apply([nodeProposal(resultState("q1", "site-a", 2, "receivedByNode"), "m1")]);
  await b.apply([nodeProposal(resultState("q1", "site-a", 2, "receivedByNode"), "m1")]);
  late.arrive();
  return { clock, store, history };
}

const described = (h: History) =>
  h.applied.map((d) => `${d.n} ${d.kind} ${d.outcome} ${d.storedVersion ?? "-"}/${d.current?.versionInfo.itemVersion ?? "-"}`);

it("puts a write before the reads of it, whatever order the replicas' reports came in", async () => {
  const { store, history } = await twoReplicas();
  expect(described(history).slice(2)).toEqual(["3 result duplicate -/2", "4 result applied 2/2"]);
  await inStoreOrder(history, store, ["q1"], false);
  expect(described(history)).toEqual(["1 query applied 1/1", "2 result applied 1/1", "3 result applied 2/2", "4 result duplicate -/2"]);
});

it("recovers a state no report wrote only when asked, as its writer's decision at its place in store order", async () => {
  const { store, history } = await twoReplicas();
  // A replica stores a site's next state and is killed before it reports it.
  await store.apply([nodeProposal(resultState("q1", "site-a", 3, "queuedAtNode"), "m2")]);
  await inStoreOrder(history, store, ["q1"], false);
  expect(history.applied).toHaveLength(4);
  expect(history.recoveredDecisions).toBe(0);
  await inStoreOrder(history, store, ["q1"], true);
  expect(history.recoveredDecisions).toBe(1);
  expect(history.applied.at(-1)).toMatchObject({
    n: 5,
    origin: "node",
    outcome: "applied",
    storedVersion: 3,
    messageId: "m2",
    proposed: { status: "queuedAtNode" },
  });
});

it("puts a duplicate of a late state after the write of that state, though the state it read as current came before", async () => {
  const { store, history, late, a, b } = await replicasOfOneStore();
  await b.apply([nodeProposal(resultState("q1", "site-a", 3, "queuedAtNode"), "m3")]);
  // A stores the late v2 below the current v3; B gets it again, a duplicate that read v3 as current.
  await a.apply([nodeProposal(resultState("q1", "site-a", 2, "receivedByNode"), "m2")]);
  await b.apply([nodeProposal(resultState("q1", "site-a", 2, "receivedByNode"), "m2")]);
  late.arrive();
  await inStoreOrder(history, store, ["q1"], false);
  expect(described(history).slice(2)).toEqual(["3 result applied 3/3", "4 result applied-late 2/3", "5 result duplicate -/3"]);
});
