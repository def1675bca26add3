import { describe, expect, it } from "vitest";
import { LeaseBoard } from "../shared/lease/inProcess.ts";
import { silentLogger } from "../shared/log.ts";
import type { Applied, Proposal } from "../shared/ports/store.ts";
import { ForwardingStore } from "../shared/store/forwarding.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { VirtualClock } from "../shared/time/virtualClock.ts";
import { MemoryTransport } from "../shared/transport/memory/mod.ts";
import { Duties, type Duty } from "./duties.ts";
import { startHub } from "./hub.ts";
import { startScriptedSites } from "./testing/scriptedSites.ts";

/** A replica's duties over a shared board, counting what each duty ran. */
function replica(board: LeaseBoard, clock: VirtualClock, intervalMs: number) {
  const runs = { taken: 0, sweeps: 0 };
  const duty = (name: string, count: () => void): Duty => ({ name, run: async () => count() });
  const lease = board.lease();
  const duties = new Duties({
    lease,
    clock,
    log: silentLogger,
    intervalMs,
    onTaken: [duty("redispatch", () => runs.taken++)],
    sweeps: [duty("sweep", () => runs.sweeps++)],
  });
  return { runs, duties, lease };
}

describe("singleton duties under a lease", () => {
  it("run on the replica holding the lease only, and move to another within one interval when it dies", async () => {
    const clock = new VirtualClock();
    const board = new LeaseBoard();
    const intervalMs = 1000;
    const a = replica(board, clock, intervalMs);
    const b = replica(board, clock, intervalMs);
    expect(await a.duties.take()).toBe(true);
    expect(await b.duties.take()).toBe(false);
    a.duties.start();
    b.duties.start();
    await clock.advance(10 * intervalMs);
    expect(a.runs).toEqual({ taken: 1, sweeps: 10 });
    expect(b.runs).toEqual({ taken: 0, sweeps: 0 });
    // a dies: its lease goes with it, as a closed connection frees an advisory lock.
    await a.duties.stop();
    await clock.advance(intervalMs);
    expect(b.lease.held()).toBe(true);
    expect(b.runs).toEqual({ taken: 1, sweeps: 1 });
    await clock.advance(5 * intervalMs);
    expect(a.runs).toEqual({ taken: 1, sweeps: 10 });
    expect(b.runs).toEqual({ taken: 1, sweeps: 6 });
    await b.duties.stop();
  });

  it("keeps sweeping after a duty fails", async () => {
    const clock = new VirtualClock();
    let runs = 0;
    const duties = new Duties({
      lease: new LeaseBoard().lease(),
      clock,
      log: silentLogger,
      intervalMs: 100,
      onTaken: [],
      sweeps: [
        {
          name: "flaky",
          run: async () => {
            runs++;
            throw new Error("store down");
          },
        },
      ],
    });
    duties.start();
    await clock.advance(300);
    expect(runs).toBe(3);
    await duties.stop();
  });
});

/** The store as one replica reaches it, counting the timedOut states it proposed. */
class Proposals extends ForwardingStore {
  timedOut = 0;
  override apply(proposals: readonly Proposal[]): Promise<Applied[]> {
    this.timedOut += proposals.filter((p) => (p.state as { status?: string }).status === "timedOut").length;
    return this.inner.apply(proposals);
  }
}

describe("two hub replicas over one store", () => {
  it("write each result's timedOut once, from the replica holding the lease", async () => {
    const clock = new VirtualClock();
    const board = new LeaseBoard();
    const resultTimeoutMs = 10_000;
    const heartbeatMs = 1000;
    // Sites that take the query and then fall silent, so every result goes overdue.
    const network = await startScriptedSites({
      clock,
      seed: 15,
      nodeIds: ["site-a", "site-b", "site-c"],
      heartbeatMs,
      resultTimeoutMs,
      lease: board.lease(),
      script: () => [{ afterMs: 100, status: "receivedByNode" }],
    });
    const transport = new MemoryTransport(network.broker, {});
    try {
      const id = await network.hub.desk.submit({ definition: { panels: [{ concepts: ["dx:I10"] }] } });
      await clock.runWhile(() => network.hub.view.results(id).some((r) => r.status !== "receivedByNode"), 60_000);
      // The second replica starts later, so its poller's clock ticks fall at other moments than the first's.
      await clock.advance(333);
      const seen = new Proposals(network.store);
      const second = await startHub({
        transport,
        store: seen,
        clock,
        random: new SeededRandom(16),
        log: silentLogger,
        nodeIds: ["site-a", "site-b", "site-c"],
        resultTimeoutMs,
        heartbeatMs,
        prefetch: 16,
        lease: board.lease(),
      });
      expect(network.hub.duties).toBeDefined();
      expect(second.view.results(id)).toHaveLength(3);
      await clock.advance(6 * resultTimeoutMs);
      expect(network.hub.view.results(id).map((r) => r.status)).toEqual(["timedOut", "timedOut", "timedOut"]);
      for (const nodeId of ["site-a", "site-b", "site-c"]) {
        const states = await network.store.states("result", `${id}:${nodeId}`);
        expect(states.filter((s) => (s.state as { status: string }).status === "timedOut")).toHaveLength(1);
      }
      // The replica off duty had the same overdue results in its view, and proposed nothing.
      expect(seen.timedOut).toBe(0);
      await second.stop();
    } finally {
      await network.stop();
      await transport.close();
    }
  });
});
