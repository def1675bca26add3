import { describe, expect, it } from "vitest";
import { EventLog } from "./eventLog.ts";

describe("EventLog", () => {
  it("hands a resuming reader exactly the events after its id, a store position, in order", () => {
    const log = new EventLog({ capacity: 8 });
    const seen: string[] = [];
    log.subscribe((e) => seen.push(e.id));
    for (const position of [2, 3, 5, 8, 9]) log.append(position, "tick", () => ({ position }));
    expect(seen).toEqual(["2", "3", "5", "8", "9"]);
    const backlog = log.since("4");
    expect(backlog.kind === "events" && backlog.events.map((e) => e.id)).toEqual(["5", "8", "9"]);
    expect(log.since("9")).toEqual({ kind: "events", events: [], after: 9 });
    expect(log.since("0")).toMatchObject({ kind: "events" });
    expect(log.lastId()).toBe("9");
    // The feed read on past positions that changed nothing: a stream opened now starts after them.
    log.advance(12);
    expect(log.lastId()).toBe("12");
    expect(() => log.append(12, "tick", () => ({}))).toThrow(RangeError);
  });

  it("answers a client from a replica further along with nothing to catch up on, not a reset", () => {
    const log = new EventLog({ capacity: 4 });
    log.append(3, "tick", () => ({}));
    expect(log.since("40")).toEqual({ kind: "events", events: [], after: 40 });
  });

  it("frames each event once as Server-Sent Events text, when first read", () => {
    const log = new EventLog({ capacity: 2 });
    let renders = 0;
    const event = log.append(7, "result", () => {
      renders++;
      return { a: "b\nc" };
    });
    expect(renders).toBe(0);
    expect(event.frame).toBe('id: 7\nevent: result\ndata: {"a":"b\\nc"}\n\n');
    expect(event.frame).toBe(event.frame);
    expect(renders).toBe(1);
  });

  it("tells a reader to reset when the ring no longer holds what it missed, or the id is not a position", () => {
    const log = new EventLog({ capacity: 3, from: 100 });
    expect(log.since("99")).toMatchObject({ kind: "reset" });
    expect(log.since("100")).toMatchObject({ kind: "events", events: [] });
    for (let i = 1; i <= 10; i++) log.append(100 + 2 * i, "tick", () => ({ i }));
    // The ring holds 116, 118, 120: what is after 114 is all there, what is after 113 is not.
    const after114 = log.since("114");
    expect(after114.kind === "events" && after114.events.map((e) => e.position)).toEqual([116, 118, 120]);
    expect(log.since("113")).toMatchObject({ kind: "reset", reason: "too far behind: events were dropped from the ring" });
    expect(log.since("1a2b-9")).toMatchObject({ kind: "reset" });
    expect(log.since("garbage")).toMatchObject({ kind: "reset" });
  });
});
