import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { HubPolicy } from "../shared/apply/policy.ts";
import { createLogger } from "../shared/log.ts";
import { fanOut, nodeProposal, resultState } from "../shared/store/testing/proposals.ts";
import { VirtualClock } from "../shared/time/virtualClock.ts";
import { createHubStore } from "./store.ts";

/** A hub store on memory under a policy, with the log lines written while it was made. */
async function hubStore(policy: HubPolicy) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const log = createLogger("hub", { destination, format: "json" });
  const config = { QNET_STORE: "memory", QNET_POLICY: policy, DATABASE_URL: "postgres://127.0.0.1/unused", QNET_DB_SCHEMA: "qnet" };
  const store = await createHubStore(config, new VirtualClock(), log);
  await new Promise((resolve) => setImmediate(resolve));
  return { store, lines };
}

/** What the store does with a node's proposal at the itemVersion already stored for its result. */
async function staleProposal(policy: HubPolicy) {
  const { store } = await hubStore(policy);
  await store.open();
  await store.apply(fanOut("q1", ["hospital-a"]));
  const [applied] = await store.apply([nodeProposal(resultState("q1", "hospital-a", 1, "running"))]);
  await store.close();
  return applied?.outcome;
}

describe("createHubStore", () => {
  it("warns once that a naive hub is a demonstration, and says nothing for a versioned one", async () => {
    const naive = await hubStore("naive");
    expect(naive.lines.filter((l) => l.level === 40)).toEqual([
      expect.objectContaining({ policy: "naive", msg: expect.stringContaining("Never run it for real") }),
    ]);
    expect((await hubStore("versioned")).lines).toEqual([]);
  });

  it("applies proposals by the configured policy: a naive store takes a node's write at a stored itemVersion", async () => {
    expect(await staleProposal("naive")).toBe("applied");
    expect(await staleProposal("versioned")).toMatch(/^conflict-/);
  });
});
