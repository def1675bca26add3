import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeedPage } from "../ports/store.ts";
import type { SqlClient } from "../store/sql/client.ts";
import { pgliteClient } from "../store/sql/pglite.ts";
import { dropSchema } from "../store/sql/schema.ts";
import { SqlStore } from "../store/sql/sqlStore.ts";
import { fanOut, nodeProposal, resultState } from "../store/testing/proposals.ts";
import { SeededRandom } from "../time/seededRandom.ts";
import { VirtualClock } from "../time/virtualClock.ts";
import { pollUntil } from "../testing/net.ts";
import { FaultBoard } from "./board.ts";
import { FaultyStore } from "./faultyStore.ts";
import { hearingLate, heardLate } from "./heardLate.ts";

const Q = "00000000-0000-4000-8000-00000000a7e1";
const SCHEMA = "heard_late";
const DEAF_SCHEMA = "heard_late_deaf";
let pglite: SqlClient;

beforeAll(async () => {
  pglite = await pgliteClient();
});
afterAll(async () => {
  await dropSchema(pglite, SCHEMA);
  await dropSchema(pglite, DEAF_SCHEMA);
  await pglite.close();
});

/** Reads the feed on from `after` until a page holds a state, as a view woken by the commit does. */
async function readUntilStored(store: SqlStore, after: number): Promise<FeedPage> {
  for (;;) {
    const page = await store.readAfter(after, 100);
    if (page.states.length > 0) return page;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("a store step whose commit is heard late", () => {
  it("on a SQL store: a reader takes the step's states from the database before the store hears they are its own, and never again after", async () => {
    const clock = new VirtualClock(0);
    const store = new SqlStore({ client: hearingLate(pglite, clock), clock, schema: SCHEMA });
    await store.open();
    await store.apply(fanOut(Q, ["site-a"]));
    const before = await store.readAfter(0, 100);
    let heard = false;
    const step = heardLate(1_000, clock, () => store.apply([nodeProposal(resultState(Q, "site-a", 2, "running"))])).then((applied) => {
      heard = true;
      return applied;
    });
    const overtaken = await readUntilStored(store, before.through);
    expect(overtaken.states.map((s) => s.itemVersion)).toEqual([2]);
    expect(heard).toBe(false);
    await clock.advance(1_000);
    expect((await step)[0]?.outcome).toBe("applied");
    // Kept as the store's own write once heard, at the reader's position: it is behind the reader already.
    expect((await store.readAfter(overtaken.through, 100)).states).toEqual([]);
    await store.close();
  });

  it("on a store with no client that hears it (the memory store's case): the step ends, then its end is heard after the wait", async () => {
    const clock = new VirtualClock(0);
    let ended = false;
    let heard = false;
    const step = heardLate(500, clock, async () => {
      ended = true;
      return "stored";
    }).then((answer) => {
      heard = true;
      return answer;
    });
    await clock.advance(499);
    expect([ended, heard]).toEqual([true, false]);
    await clock.advance(1);
    expect(await step).toBe("stored");
  });
});

describe("a watch of the store begun while it is deaf", () => {
  it("on a SQL store: its LISTEN takes hold when the fault heals, what was committed meanwhile wakes nothing, and the store then wakes it for the gap", async () => {
    const clock = new VirtualClock(0);
    const board = new FaultBoard(clock);
    const store = new SqlStore({ client: hearingLate(pglite, clock), clock, schema: DEAF_SCHEMA });
    await store.open();
    const faulty = new FaultyStore(store, { board, clock, random: new SeededRandom("deaf"), report: { faulted: () => {} } });
    // Another store on the schema, listening as usual: its wake-up says the notification went out.
    const other = new SqlStore({ client: pglite, clock, schema: DEAF_SCHEMA });
    let heardByOther = 0;
    const stopOther = other.watch(() => heardByOther++);
    // Woken once its LISTEN holds, for the gap.
    await pollUntil("the other store to listen", 5_000, () => heardByOther > 0);
    await other.apply(fanOut(Q, ["site-a"]));
    board.setStoreFault("deaf", { probability: 1 });
    let woken = 0;
    const stop = faulty.watch(() => woken++);
    const heard = heardByOther;
    await other.apply([nodeProposal(resultState(Q, "site-a", 2, "running"))]);
    await pollUntil("the write's notification", 5_000, () => heardByOther > heard);
    expect(woken).toBe(0);
    board.setStoreFault("deaf", undefined);
    await pollUntil("the wake-up for the gap", 5_000, () => woken > 0);
    await other.apply([nodeProposal(resultState(Q, "site-a", 3, "running"))]);
    await pollUntil("a wake-up by the next write", 5_000, () => woken > 1);
    stop();
    stopOther();
    await store.close();
  });
});
