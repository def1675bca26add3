import { type Socket, connect } from "node:net";
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { QueryState, ResultState } from "../../shared/protocol/items.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import { QueryListBody, QueryEventData, ResultEventData } from "../http/responses.ts";
import { startScriptedSites } from "../testing/scriptedSites.ts";
import { EventLog } from "./eventLog.ts";
import { EventStreams } from "./sse.ts";
import { type ReadEvent, readEvents } from "./sseReader.ts";
import { pollUntil } from "../../shared/testing/net.ts";
import { ladder } from "../../shared/testing/scriptedNode.ts";

/** Looks often: the stream runs in this process, and one test waits thousands of times. */
const OFTEN = { everyMs: 2 };

/** What identifies one change: the item, its version and its status. */
function keyOfEvent(e: ReadEvent): string {
  if (e.type === "query") {
    const d = QueryEventData.parse(JSON.parse(e.data));
    return `query ${d.queryId} v${d.itemVersion} ${d.status}`;
  }
  if (e.type === "result") {
    const d = ResultEventData.parse(JSON.parse(e.data));
    return `result ${d.queryId}:${d.row.nodeId} v${d.row.itemVersion} ${d.row.status}`;
  }
  return `${e.type}`;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Serves GET /events from `log` on a free port, closed after the test; answers the streams and the base URL. */
async function serveEvents(
  log: EventLog,
  options: { clock: Clock; heartbeatMs: number; maxBufferedBytes: number },
): Promise<{ streams: EventStreams; base: string }> {
  const app = Fastify();
  const streams = new EventStreams({ log, ...options });
  app.get("/events", async (request, reply) => {
    streams.open(request, reply, request.headers["last-event-id"] as string | undefined);
    return reply;
  });
  app.addHook("preClose", async () => streams.closeAll());
  cleanups.push(() => app.close());
  return { streams, base: await app.listen({ host: "127.0.0.1", port: 0 }) };
}

describe("GET /api/events", () => {
  it("a client that disconnects and resumes with Last-Event-ID misses no change", async () => {
    const clock = new VirtualClock();
    const nodeIds = ["site-1", "site-2", "site-3"];
    const network = await startScriptedSites({
      clock,
      seed: 77,
      nodeIds,
      // Each site a second slower per step than the one before: changes keep coming for several seconds.
      script: (nodeId) => ladder({ count: 60, stepMs: 1_000 * (nodeIds.indexOf(nodeId) + 1) }),
      faults: { all: { duplicate: { probability: 0.2, maxLagMs: 1_000 }, reorder: { probability: 0.3, windowMs: 2_000 } } },
    });
    cleanups.push(() => network.stop());
    const { hub } = network;
    const changes: string[] = [];
    hub.view.onChange((c) => {
      if (c.kind === "query") {
        const q = c.state as QueryState;
        changes.push(`query ${q.id} v${q.versionInfo.itemVersion} ${q.status}`);
      } else {
        const r = c.state as ResultState;
        changes.push(`result ${r.queryId}:${r.nodeId} v${r.versionInfo.itemVersion} ${r.status}`);
      }
    });
    const base = await hub.api.listen({ host: "127.0.0.1", port: 0 });
    // A page reads the state, then streams from the event id the state was read at.
    const list = QueryListBody.parse(await (await fetch(`${base}/api/queries`)).json());

    const received: ReadEvent[] = [];
    const first = new AbortController();
    const firstDone = readEvents(`${base}/api/events`, {
      lastEventId: list.lastEventId,
      signal: first.signal,
      onEvent: (e) => received.push(e),
    });

    const ids: string[] = [];
    for (const concept of ["dx:E11.9", "dx:I10"]) {
      ids.push(await hub.desk.submit({ definition: { panels: [{ concepts: [concept] }] } }));
      await clock.advance(200);
    }
    await clock.advance(1_500);
    expect(changes.length).toBeGreaterThan(0);
    /** Each item's newest state as the client has it, and as the view shows it: equal once the client has caught up. */
    const lastReceived = () => {
      const last = new Map<string, string>();
      for (const e of received) {
        const key = keyOfEvent(e);
        last.set(key.split(" v")[0] as string, key);
      }
      return last;
    };
    const shownNow = () => {
      const shown = new Map<string, string>();
      for (const { kind, state } of hub.view.shown()) {
        const key =
          kind === "query"
            ? `query ${state.id} v${state.versionInfo.itemVersion} ${(state as QueryState).status}`
            : `result ${(state as ResultState).queryId}:${(state as ResultState).nodeId} v${state.versionInfo.itemVersion} ${(state as ResultState).status}`;
        shown.set(key.split(" v")[0] as string, key);
      }
      return shown;
    };
    const caughtUp = () => JSON.stringify([...lastReceived()].sort()) === JSON.stringify([...shownNow()].sort());
    await pollUntil("the first client to receive every item's newest state", 60_000, caughtUp, OFTEN);
    first.abort();
    await firstDone;

    // While the client is away, the network goes on.
    const beforeGap = changes.length;
    await clock.advance(3_000);
    expect(changes.length).toBeGreaterThan(beforeGap);

    const lastSeen = received.at(-1)?.id;
    expect(lastSeen).toBeDefined();
    const second = new AbortController();
    const secondDone = readEvents(`${base}/api/events`, { lastEventId: lastSeen, signal: second.signal, onEvent: (e) => received.push(e) });
    expect(await clock.runWhile(() => ids.some((id) => hub.view.get(id)?.status !== "done"), 3_600_000)).toBe(true);
    await pollUntil("the second client to catch up", 60_000, caughtUp, OFTEN);
    second.abort();
    await secondDone;

    // Every event is a change the view made, under a store position, each position once, in store
    // order; intermediate states the view went past before the feed reached them may be skipped.
    const changed = new Set(changes);
    expect(received.map(keyOfEvent).filter((k) => !changed.has(k))).toEqual([]);
    const positions = received.map((e) => Number(e.id));
    for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThan(positions[i - 1] as number);
    expect(lastReceived()).toEqual(shownNow());
  });

  it("with ?queryId= streams that query's events alone, the missed ones too, and refuses an id that is not a UUID", async () => {
    const clock = new VirtualClock();
    const network = await startScriptedSites({ clock, seed: 78, nodeIds: ["site-1", "site-2"], script: () => ladder({ stepMs: 500 }) });
    cleanups.push(() => network.stop());
    const { hub } = network;
    const base = await hub.api.listen({ host: "127.0.0.1", port: 0 });
    const start = QueryListBody.parse(await (await fetch(`${base}/api/queries`)).json()).lastEventId;
    const mine = await hub.desk.submit({ definition: { panels: [{ concepts: ["dx:E11.9"] }] } });
    const other = await hub.desk.submit({ definition: { panels: [{ concepts: ["dx:I10"] }] } });
    expect(await clock.runWhile(() => [mine, other].some((id) => hub.view.get(id)?.status !== "done"), 600_000)).toBe(true);
    // Everything happened before the client came: it resumes from before the first query.
    const all: ReadEvent[] = [];
    const only: ReadEvent[] = [];
    const stop = new AbortController();
    const reading = [
      readEvents(`${base}/api/events`, { lastEventId: start, signal: stop.signal, onEvent: (e) => all.push(e) }),
      readEvents(`${base}/api/events?queryId=${mine}`, { lastEventId: start, signal: stop.signal, onEvent: (e) => only.push(e) }),
    ];
    const ofMine = (e: ReadEvent) => (JSON.parse(e.data) as { queryId: string }).queryId === mine;
    await pollUntil("both clients to catch up", 30_000, () => all.length > 0 && only.length === all.filter(ofMine).length, OFTEN);
    stop.abort();
    await Promise.all(reading);
    expect(all.some((e) => !ofMine(e))).toBe(true);
    expect(only.map(keyOfEvent)).toEqual(all.filter(ofMine).map(keyOfEvent));
    expect((await fetch(`${base}/api/events?queryId=nope`)).status).toBe(400);
  });

  it("sends a reset, with a current id, to a client further behind than the ring holds", async () => {
    const log = new EventLog({ capacity: 4 });
    const { base } = await serveEvents(log, { clock: systemClock, heartbeatMs: 60_000, maxBufferedBytes: 1 << 20 });
    for (let i = 1; i <= 10; i++) log.append(i, "tick", () => ({ i }));

    const got: ReadEvent[] = [];
    const ac = new AbortController();
    const done = readEvents(`${base}/events`, { lastEventId: "3", signal: ac.signal, onEvent: (e) => got.push(e) });
    await pollUntil("the reset", 60_000, () => got.length >= 1, OFTEN);
    log.append(11, "tick", () => ({ i: 11 }));
    await pollUntil("the event after the reset", 60_000, () => got.length >= 2, OFTEN);
    ac.abort();
    await done;
    expect(got[0]).toMatchObject({ type: "reset", id: "10" });
    expect(got[1]).toMatchObject({ type: "tick", id: "11", data: '{"i":11}' });
  });

  it("streams a client from a replica further along only what comes after its id", async () => {
    const log = new EventLog({ capacity: 4 });
    const { base } = await serveEvents(log, { clock: systemClock, heartbeatMs: 60_000, maxBufferedBytes: 1 << 20 });
    log.append(5, "tick", () => ({ i: 5 }));
    const got: ReadEvent[] = [];
    const ac = new AbortController();
    const done = readEvents(`${base}/events`, { lastEventId: "8", signal: ac.signal, onEvent: (e) => got.push(e) });
    await pollUntil("the stream to open", 60_000, () => log.readerCount() === 1, OFTEN);
    for (const i of [7, 8, 9]) log.append(i, "tick", () => ({ i }));
    await pollUntil("the event after its id", 60_000, () => got.length >= 1, OFTEN);
    ac.abort();
    await done;
    expect(got.map((e) => e.id)).toEqual(["9"]);
  });

  it("drops a client that stops reading instead of buffering without bound, while a reading client gets every event", async () => {
    const log = new EventLog({ capacity: 100 });
    const { streams, base } = await serveEvents(log, { clock: systemClock, heartbeatMs: 60_000, maxBufferedBytes: 256 * 1024 });
    const { port } = new URL(base);

    // The slow client: asks for the stream, then never reads a byte.
    const slow: Socket = connect({ host: "127.0.0.1", port: Number(port) });
    let slowClosed = false;
    slow.on("close", () => {
      slowClosed = true;
    });
    slow.on("error", () => undefined);
    slow.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nLast-Event-ID: 0\r\n\r\n`);
    slow.pause();

    const fast: ReadEvent[] = [];
    const ac = new AbortController();
    const fastDone = readEvents(`${base}/events`, { lastEventId: "0", signal: ac.signal, onEvent: (e) => fast.push(e) });
    await pollUntil("both streams to open", 60_000, () => streams.count() === 2, OFTEN);

    const payload = "x".repeat(1_000);
    let appended = 0;
    for (let batch = 0; batch < 2_000 && streams.dropped() === 0; batch++) {
      for (let i = 0; i < 50; i++) {
        appended++;
        log.append(appended, "tick", () => ({ payload }));
      }
      // Append never waits for a reader; the test waits only for the reading client to keep up.
      await pollUntil("the reading client to keep up", 60_000, () => fast.length === appended, OFTEN);
    }
    expect(streams.dropped()).toBe(1);
    // When the slow client reads again, it finds its stream ended.
    slow.resume();
    await pollUntil("the slow client's stream to end", 60_000, () => slowClosed, OFTEN);
    expect(streams.count()).toBe(1);
    log.append(appended + 1, "tick", () => ({ last: true }));
    await pollUntil("the last event", 60_000, () => fast.length === appended + 1, OFTEN);
    ac.abort();
    await fastDone;
    expect(fast.map((e) => e.id)).toEqual(Array.from({ length: appended + 1 }, (_, i) => `${i + 1}`));
  });

  it("sends a heartbeat comment every interval of its clock", async () => {
    const clock = new VirtualClock();
    const log = new EventLog({ capacity: 4 });
    const { base } = await serveEvents(log, { clock, heartbeatMs: 1_000, maxBufferedBytes: 1 << 20 });
    const ac = new AbortController();
    const response = await fetch(`${base}/events`, { signal: ac.signal });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    let text = "";
    const reading = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
      } catch {
        // aborted
      }
    })();
    await pollUntil("the stream's opening comment", 60_000, () => text.includes(": stream of 0"), OFTEN);
    expect(text).not.toContain(": heartbeat");
    await clock.advance(2_000);
    await pollUntil("two heartbeats", 60_000, () => text.split(": heartbeat\n\n").length === 3, OFTEN);
    ac.abort();
    await reading;
  });
});
