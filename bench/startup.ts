import { openView } from "../hub/events/viewFeed.ts";
import { encodeSnapshot, saveSnapshot } from "../hub/view/snapshot.ts";
import { silentLogger } from "../shared/log.ts";
import type { Proposal, Store } from "../shared/ports/store.ts";
import { decodeMessage } from "../shared/protocol/messages.ts";
import { createStore } from "../shared/store/create.ts";
import { ForwardingStore } from "../shared/store/forwarding.ts";
import { pgClient } from "../shared/store/sql/pg.ts";
import { dropSchema } from "../shared/store/sql/schema.ts";
import { SERVICES } from "../shared/testing/services.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import { benchPrefix } from "./brokers.ts";
import type { Figure } from "./report.ts";
import { makeWorkload } from "./workload.ts";

export interface StartupSize {
  /** How many states the store holds before the snapshot (about: whole batches of queries). */
  states: number;
  /** How many more the tail after the snapshot holds (about). */
  tail: number;
}

const NODES = 25;
/** States one query of NODES sites makes: its own, created and sentToNode per result, four node states per result. */
const STATES_PER_QUERY = 1 + NODES * 6;
const QUERIES_PER_BATCH = 400;
const BURST = 2_000;

/** Stores whole batches of queries, each with its fan-out and every node state, until about `states` are stored. */
async function fill(store: Store, states: number, label: string): Promise<void> {
  const queries = Math.max(1, Math.round(states / STATES_PER_QUERY));
  for (let done = 0, batch = 0; done < queries; done += QUERIES_PER_BATCH, batch++) {
    const workload = makeWorkload({
      queries: Math.min(QUERIES_PER_BATCH, queries - done),
      nodes: NODES,
      seed: `${label}-${batch}`,
      duplicateShare: 0,
    });
    const proposals: Proposal[] = [...workload.seed];
    for (const m of workload.messages) {
      const d = decodeMessage(m.body);
      if (d.ok && d.message.type === "result-update")
        proposals.push({ kind: "result", state: d.message.result, origin: "node", messageId: d.message.messageId });
    }
    for (let i = 0; i < proposals.length; i += BURST) await store.apply(proposals.slice(i, i + BURST));
  }
}

/** A replica joining: the store's newest snapshot, then the feed after it, until the view is ready to answer. */
async function join(store: Store) {
  const start = performance.now();
  const opened = await openView({ store, clock: systemClock, log: silentLogger, pollMs: 0 });
  return { ...opened, ms: performance.now() - start };
}

/**
 * Start-up that does not grow with history: a store of `states` states, a replica that joins it by
 * replaying everything (the baseline) and writes a snapshot, `tail` more states, then a replica that
 * joins from the snapshot and the tail. Its view must equal a full replay of the same store.
 */
export async function startupPart(size: StartupSize): Promise<Figure[]> {
  const schema = benchPrefix("startup").replace(/-/g, "_");
  const store = await createStore("postgres", { clock: systemClock, databaseUrl: SERVICES.postgres.url, schema });
  try {
    await store.open();
    let t0 = performance.now();
    await fill(store, size.states, "startup");
    const fillSeconds = (performance.now() - t0) / 1000;
    const replay = await join(store);
    const before = (await store.counts()).states;
    t0 = performance.now();
    await saveSnapshot(store, replay.view, replay.feed.position());
    const snapshotMs = performance.now() - t0;
    const snapshotBytes = encodeSnapshot(replay.view).byteLength;
    await fill(store, size.tail, "startup-tail");
    const total = (await store.counts()).states;
    const fromSnapshot = await join(store);
    // Correct reads: the view from the snapshot and the tail equals the whole record replayed.
    const full = await openView({ store: new WithoutSnapshots(store), clock: systemClock, log: silentLogger, pollMs: 0 });
    const same = Buffer.from(encodeSnapshot(fromSnapshot.view)).equals(Buffer.from(encodeSnapshot(full.view)));
    const part = "7 startup";
    const note = `${before} states, then a tail of ${total - before}; filling took ${fillSeconds.toFixed(0)} s`;
    return [
      { part, name: "join by full replay", value: replay.ms / 1000, unit: "s", note },
      {
        part,
        name: "join from the newest snapshot + the tail",
        value: fromSnapshot.ms / 1000,
        unit: "s",
        target: "< 10",
        met: fromSnapshot.ms < 10_000,
        note: `snapshot at position ${fromSnapshot.snapshotPosition}, ${(snapshotBytes / 1024 / 1024).toFixed(1)} MiB gzipped, written in ${(snapshotMs / 1000).toFixed(1)} s`,
      },
      { part, name: "snapshot + tail / full replay", value: fromSnapshot.ms / replay.ms, unit: "ratio" },
      { part, name: "view from snapshot = full replay", value: same ? 1 : 0, unit: "ok" },
    ];
  } finally {
    await store.close();
    const client = pgClient(SERVICES.postgres.url);
    await dropSchema(client, schema).finally(() => client.close());
  }
}

/** The store as a replica that finds no snapshot sees it: the same record, no snapshot kept. */
class WithoutSnapshots extends ForwardingStore {
  override async latestSnapshot(): Promise<undefined> {
    return undefined;
  }
}
