import { describe, expect, it } from "vitest";
import type { Applied, Proposal } from "../../shared/ports/store.ts";
import type { QueryState } from "../../shared/protocol/items.ts";
import { ForwardingStore } from "../../shared/store/forwarding.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { startScriptedSites } from "../testing/scriptedSites.ts";

/** A store that refuses the first write of a query's `done`, as a store that is briefly down would. */
class DoneFailsOnce extends ForwardingStore {
  failed = 0;
  override async apply(proposals: readonly Proposal[]): Promise<Applied[]> {
    const done = proposals.some((p) => p.kind === "query" && (p.state as QueryState).status === "done");
    if (done && this.failed === 0) {
      this.failed++;
      throw new Error("store unavailable");
    }
    return this.inner.apply(proposals);
  }
}

describe("the settle sweep", () => {
  it("moves a query to done when the status write after its last result failed", async () => {
    const clock = new VirtualClock();
    const heartbeatMs = 1000;
    const store = new DoneFailsOnce(new MemoryStore({ clock }));
    const network = await startScriptedSites({ clock, seed: 15, nodeIds: ["site-a", "site-b"], heartbeatMs, store });
    try {
      const { hub } = network;
      const id = await hub.desk.submit({ definition: { panels: [{ concepts: ["dx:I10"] }] } });
      await clock.runWhile(() => !hub.view.allFinal(id) || store.failed === 0, 60_000);
      expect(hub.view.allFinal(id)).toBe(true);
      // The write after the last result failed, and nothing but a sweep would try it again.
      expect(store.failed).toBe(1);
      expect(hub.view.query(id)?.status).toBe("dispatched");
      await clock.runWhile(() => hub.view.query(id)?.status !== "done", 10 * heartbeatMs);
      expect(hub.view.query(id)?.status).toBe("done");
      const done = (await store.states("query", id)).filter((s) => (s.state as QueryState).status === "done");
      expect(done).toHaveLength(1);
    } finally {
      await network.stop();
    }
  });
});
