import { describe, expect, it } from "vitest";
import type { PublishOptions, Route, Transport } from "../ports/transport.ts";
import { SeededRandom } from "../time/seededRandom.ts";
import { VirtualClock } from "../time/virtualClock.ts";
import { drawTransitFate, type TransitFaults } from "./transit.ts";
import { TransitTransport } from "./transitTransport.ts";

const toHub: Route = { to: "hub", kind: "result", nodeId: "site-a" };
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A broker client that stores what it is given, in order; its confirms wait for `release()` when held. */
function recordingBroker() {
  const stored: { body: string; options: PublishOptions }[] = [];
  let gate: Promise<void> | undefined;
  let open = () => {};
  let closed = false;
  const transport: Transport = {
    name: "amqp",
    declare: async () => {},
    publish: async (_route, body, options) => {
      if (closed) throw new Error("transport closed");
      await gate;
      stored.push({ body: text(body), options });
    },
    consume: async () => ({ stop: async () => {} }),
    connected: () => !closed,
    close: async () => {
      closed = true;
    },
  };
  return {
    transport,
    stored,
    hold: () => {
      gate = new Promise<void>((r) => {
        open = r;
      });
    },
    release: () => {
      gate = undefined;
      open();
    },
  };
}

function setup(faults: TransitFaults) {
  const clock = new VirtualClock();
  const broker = recordingBroker();
  const actions: string[] = [];
  const state = { faults };
  const transit = new TransitTransport(broker.transport, "site-a", {
    faults: () => state.faults,
    clock,
    random: new SeededRandom(7),
    tap: { faulted: (who, what) => actions.push(`${who}: ${what}`) },
  });
  return { clock, broker, actions, state, transit };
}

describe("TransitTransport", () => {
  it("passes publishes straight through when no fault is in force, resolving on the broker's confirm", async () => {
    const { broker, transit, actions } = setup({});
    broker.hold();
    let confirmed = false;
    const p = transit.publish(toHub, bytes("a"), { messageId: "m1" }).then(() => {
      confirmed = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(confirmed).toBe(false);
    broker.release();
    await p;
    expect(broker.stored).toEqual([{ body: "a", options: { messageId: "m1" } }]);
    expect(actions).toEqual([]);
  });

  it("holds the caller for the latency before the broker sees the message, and counts it", async () => {
    const { clock, broker, transit, actions } = setup({ latency: { baseMs: 500, jitterMs: 0 } });
    let confirmed = false;
    const p = transit.publish(toHub, bytes("a"), { messageId: "m1" }).then(() => {
      confirmed = true;
    });
    await clock.advance(499);
    expect(broker.stored).toEqual([]);
    expect(confirmed).toBe(false);
    await clock.advance(1);
    await p;
    expect(broker.stored.map((s) => s.body)).toEqual(["a"]);
    expect(actions).toEqual(["site-a: result delayed in transit"]);
  });

  it("releases the caller of a message held for reordering, so a later message overtakes it", async () => {
    const { clock, broker, transit, state, actions } = setup({ reorder: { probability: 1, windowMs: 1_000 } });
    await transit.publish(toHub, bytes("v1"), { messageId: "m1" });
    expect(broker.stored).toEqual([]);
    state.faults = {};
    await transit.publish(toHub, bytes("v2"), { messageId: "m2" });
    await clock.advance(1_000);
    expect(broker.stored.map((s) => s.body)).toEqual(["v2", "v1"]);
    expect(actions).toEqual(["site-a: result held back for reordering"]);
  });

  it("publishes a copy with the same bytes and messageId, under its own broker de-duplication key", async () => {
    const { clock, broker, transit, actions } = setup({ duplicate: { probability: 1, maxLagMs: 300 } });
    await transit.publish(toHub, bytes("v1"), { messageId: "m1" });
    expect(broker.stored.map((s) => s.body)).toEqual(["v1"]);
    await clock.advance(300);
    expect(broker.stored).toEqual([
      { body: "v1", options: { messageId: "m1" } },
      { body: "v1", options: { messageId: "m1", brokerDedupId: "m1:dup1" } },
    ]);
    expect(actions).toEqual(["site-a: result duplicated in transit"]);
  });

  it("sends what it still holds, copies included, before closing the client", async () => {
    const { broker, transit, actions } = setup({
      reorder: { probability: 1, windowMs: 60_000 },
      duplicate: { probability: 1, maxLagMs: 60_000 },
    });
    await transit.publish(toHub, bytes("v1"), { messageId: "m1" });
    await transit.publish({ to: "hub", kind: "heartbeat", nodeId: "site-a" }, bytes("beat"), { messageId: "h1" });
    expect(broker.stored).toEqual([]);
    await transit.close();
    expect(broker.stored.map((s) => `${s.body} ${s.options.brokerDedupId ?? s.options.messageId}`).sort()).toEqual([
      "beat h1",
      "beat h1:dup2",
      "v1 m1",
      "v1 m1:dup1",
    ]);
    expect(broker.transport.connected()).toBe(false);
    expect(actions.filter((a) => a.includes("lost"))).toEqual([]);
    await expect(transit.publish(toHub, bytes("v2"), { messageId: "m2" })).rejects.toThrow("transport closed");
  });
});

describe("drawTransitFate", () => {
  it("draws within each fault's bounds and nothing for a fault not in force", () => {
    const random = new SeededRandom(3);
    const faults: TransitFaults = {
      latency: { baseMs: 100, jitterMs: 50 },
      reorder: { probability: 0.5, windowMs: 400 },
      duplicate: { probability: 0.5, maxLagMs: 200 },
    };
    const fates = Array.from({ length: 500 }, () => drawTransitFate(faults, random));
    expect(fates.every((f) => f.latencyMs >= 100 && f.latencyMs <= 150)).toBe(true);
    expect(fates.every((f) => f.holdMs >= 0 && f.holdMs <= 400)).toBe(true);
    expect(fates.some((f) => f.holdMs > 0) && fates.some((f) => f.holdMs === 0)).toBe(true);
    const lags = fates.flatMap((f) => (f.duplicateLagMs === undefined ? [] : [f.duplicateLagMs]));
    expect(lags.length).toBeGreaterThan(0);
    expect(lags.every((l) => l >= 1 && l <= 200)).toBe(true);

    const untouched = new SeededRandom(9);
    expect(drawTransitFate({}, untouched)).toEqual({ latencyMs: 0, holdMs: 0, duplicateLagMs: undefined });
    expect(untouched.next()).toBe(new SeededRandom(9).next());
  });
});
