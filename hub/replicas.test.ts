import { describe, expect, it } from "vitest";
import { silentLogger } from "../shared/log.ts";
import type { Clock } from "../shared/ports/clock.ts";
import type { Store } from "../shared/ports/store.ts";
import { ForwardingStore } from "../shared/store/forwarding.ts";
import { MemoryStore } from "../shared/store/memory.ts";
import { pgClient } from "../shared/store/sql/pg.ts";
import { dropSchema } from "../shared/store/sql/schema.ts";
import { SqlStore } from "../shared/store/sql/sqlStore.ts";
import { pollUntil } from "../shared/testing/net.ts";
import { ladder } from "../shared/testing/scriptedNode.ts";
import { describeWith, SERVICES, uniquePrefix } from "../shared/testing/services.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import { VirtualClock } from "../shared/time/virtualClock.ts";
import { MemoryTransport } from "../shared/transport/memory/mod.ts";
import { SseParser } from "./events/sseReader.ts";
import { openView } from "./events/viewFeed.ts";
import { type Hub, startHub } from "./hub.ts";
import { startScriptedSites } from "./testing/scriptedSites.ts";
import { viewDifferences } from "./rebuild/compare.ts";
import { rebuildView } from "./view/rebuild.ts";

const SITES = ["site-a", "site-b", "site-c"];

/** A store that never wakes its watchers: every notification lost. Only the feed's polling reads on. */
class Deaf extends ForwardingStore {
  override watch(): () => void {
    return () => undefined;
  }
}

/** Each item's newest state as a client streaming `hub` from `after` has it: "kind id" -> "version status". */
function streamed(events: { frame: string }[]): Map<string, string> {
  const newest = new Map<string, string>();
  for (const e of new SseParser().push(events.map((x) => x.frame).join(""))) {
    const d = JSON.parse(e.data);
    if (e.type === "query") newest.set(`query ${d.queryId}`, `v${d.itemVersion} ${d.status}`);
    else newest.set(`result ${d.queryId}:${d.row.nodeId}`, `v${d.row.itemVersion} ${d.row.status}`);
  }
  return newest;
}

function shown(hub: Hub): Map<string, string> {
  const out = new Map<string, string>();
  for (const { kind, state } of hub.view.shown()) {
    const id = kind === "query" ? state.id : `${(state as { queryId: string }).queryId}:${(state as { nodeId: string }).nodeId}`;
    out.set(`${kind} ${id}`, `v${state.versionInfo.itemVersion} ${(state as { status?: string }).status ?? "created"}`);
  }
  return out;
}

/**
 * Two hubs over one store and one broker: queries posted to either, deliveries shared among them.
 * `second` is the store as the second hub reaches it; `settle` runs the network until `done` holds.
 */
async function twoReplicas(opts: {
  clock: Clock;
  first: Store;
  second: Store;
  stepMs: number;
  feedPollMs?: number;
  settle: (done: () => boolean) => Promise<void>;
}) {
  const network = await startScriptedSites({
    clock: opts.clock,
    seed: 41,
    nodeIds: SITES,
    store: opts.first,
    script: () => ladder({ count: 6, stepMs: opts.stepMs }),
  });
  const transport = new MemoryTransport(network.broker, {});
  const a = network.hub;
  const b = await startHub({
    transport,
    store: opts.second,
    clock: opts.clock,
    random: new SeededRandom(42),
    log: silentLogger,
    nodeIds: SITES,
    resultTimeoutMs: 300_000,
    heartbeatMs: 5_000,
    prefetch: 16,
    feedPollMs: opts.feedPollMs,
  });
  try {
    const ids: string[] = [];
    let eventIdFromA = "0";
    for (const [i, hub] of [a, b, a, b].entries()) {
      const res = await hub.api.inject({
        method: "POST",
        url: "/api/queries",
        payload: { definition: { panels: [{ concepts: [`dx:E11.${i}`] }] } },
      });
      expect(res.statusCode).toBe(202);
      ids.push(res.json().id);
      if (i === 1) {
        await opts.settle(() => ids.every((id) => a.view.query(id) !== undefined));
        eventIdFromA = a.events.lastId();
      }
    }
    const done = (hub: Hub) => ids.every((id) => hub.view.get(id)?.status === "done");
    await opts.settle(() => done(a) && done(b));
    await opts.settle(() => viewDifferences(a.view, b.view).length === 0 && a.events.lastId() === b.events.lastId());

    // Every query, posted to either, is on both, and both show what the store holds.
    expect(viewDifferences(a.view, b.view, ["first replica", "second replica"])).toEqual([]);
    expect(viewDifferences(await rebuildView(network.store), a.view, ["replay", "first replica"])).toEqual([]);
    // Fanned out once: each result's created and sentToNode stored once, at versions 1 and 2.
    for (const id of ids) {
      const history = await network.store.history(id);
      expect(history.states.filter((s) => s.kind === "query" && s.itemVersion === 1)).toHaveLength(1);
      for (const site of SITES) {
        const early = history.states.filter((s) => s.id === `${id}:${site}` && s.itemVersion <= 2);
        expect(early.map((s) => (s.state as { status: string }).status)).toEqual(["created", "sentToNode"]);
      }
    }
    // An event id taken from one replica resumes on the other with no reset and no gap: what the
    // client had from A up to the id, then B's events after it, ends at what both views show.
    const fromA = a.events.since("0");
    const fromB = b.events.since(eventIdFromA);
    if (fromA.kind !== "events" || fromB.kind !== "events") throw new Error("a replica answered a reset");
    expect(Number(eventIdFromA)).toBeGreaterThan(0);
    const client = streamed([...fromA.events.filter((e) => e.position <= Number(eventIdFromA)), ...fromB.events]);
    expect(client).toEqual(shown(a));
    // An event id means the same on both: where both sent an event under one id, it is the same
    // change. (Either may skip a state its view had already gone past when the feed reached it.)
    const bAll = b.events.since("0");
    if (bAll.kind !== "events") throw new Error("a replica answered a reset");
    const frames = new Map(fromA.events.map((e) => [e.id, e.frame]));
    const shared = bAll.events.filter((e) => frames.has(e.id));
    expect(shared.length).toBeGreaterThan(0);
    for (const e of shared) expect(e.frame).toBe(frames.get(e.id));
  } finally {
    await b.stop();
    await transport.close();
    await network.stop();
  }
}

describe("hub replicas over one store", () => {
  it("converge: queries posted to either appear on both, fanned out once, and event ids resume across them", async () => {
    const clock = new VirtualClock();
    const store = new MemoryStore({ clock });
    await twoReplicas({
      clock,
      first: store,
      second: store,
      stepMs: 200,
      settle: async (done) => {
        expect(await clock.runWhile(() => !done(), 600_000)).toBe(true);
      },
    });
  });

  it("converge when every wake-up is lost: the feed's polling reads on", async () => {
    const clock = new VirtualClock();
    const store = new MemoryStore({ clock });
    await twoReplicas({
      clock,
      first: store,
      second: new Deaf(store),
      stepMs: 200,
      feedPollMs: 250,
      settle: async (done) => {
        expect(await clock.runWhile(() => !done(), 600_000)).toBe(true);
      },
    });
  });
});

await describeWith(["postgres"], "hub replicas over one PostgreSQL schema", () => {
  const schema = uniquePrefix("replicas").replace(/-/g, "_");
  const settle = async (done: () => boolean) => pollUntil("the replicas to settle", 60_000, done, { everyMs: 20 });

  it("converge, each hub its own connections, woken by LISTEN/NOTIFY", async () => {
    const stores = [0, 1].map(
      () =>
        new SqlStore({
          client: pgClient(SERVICES.postgres.url, undefined, 4),
          clock: systemClock,
          schema,
          ownsClient: true,
        }),
    );
    const cleanup = pgClient(SERVICES.postgres.url, undefined, 1);
    try {
      await twoReplicas({ clock: systemClock, first: stores[0]!, second: stores[1]!, stepMs: 20, settle });
      // A third replica writes a snapshot into the table; a fourth starts from it, as a full replay would.
      const third = new SqlStore({ client: cleanup, clock: systemClock, schema });
      const writer = await openView({ store: third, clock: systemClock, log: silentLogger, snapshotEvery: 1 });
      expect(await writer.feed.snapshotIfDue()).toBe(true);
      const started = await openView({ store: third, clock: systemClock, log: silentLogger });
      expect(started.snapshotPosition).toBe(writer.feed.position());
      expect(started.snapshotPosition).toBeGreaterThan(0);
      expect(viewDifferences(await rebuildView(third), started.view, ["full replay", "snapshot"])).toEqual([]);
    } finally {
      await stores[1]!.close();
      await dropSchema(cleanup, schema);
      await cleanup.close();
    }
  });

  it("converge when NOTIFY is lost: the catch-up read on the poll interval covers it", async () => {
    const deafSchema = `${schema}_deaf`;
    const stores = [0, 1].map(
      () =>
        new SqlStore({
          client: pgClient(SERVICES.postgres.url, undefined, 4),
          clock: systemClock,
          schema: deafSchema,
          ownsClient: true,
        }),
    );
    const cleanup = pgClient(SERVICES.postgres.url, undefined, 1);
    try {
      await twoReplicas({ clock: systemClock, first: stores[0]!, second: new Deaf(stores[1]!), stepMs: 20, feedPollMs: 100, settle });
    } finally {
      await stores[1]!.close();
      await dropSchema(cleanup, deafSchema);
      await cleanup.close();
    }
  });
});
