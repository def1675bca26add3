import { describe, expect, it } from "vitest";
import { EventLog } from "./eventLog.ts";

describe("EventLog", () => {
  it("hands a resuming reader exactly the events after its id, in order", () => {
    const log = new EventLog({ capacity: 8, epoch: "e1" });
    const seen: string[] = [];
    log.subscribe((e) => seen.push(e.id));
    for (let i = 0; i < 5; i++) log.append("tick", () => ({ i }));
    expect(seen).toEqual(["e1-1", "e1-2", "e1-3", "e1-4", "e1-5"]);
    const backlog = log.since("e1-2");
    expect(backlog.kind === "events" && backlog.events.map((e) => e.id)).toEqual(["e1-3", "e1-4", "e1-5"]);
    expect(log.since("e1-5")).toEqual({ kind: "events", events: [] });
    expect(log.since("e1-0")).toMatchObject({ kind: "events" });
    expect(log.lastId()).toBe("e1-5");
  });

  it("frames each event once as Server-Sent Events text, when first read", () => {
    const log = new EventLog({ capacity: 2, epoch: "x" });
    let renders = 0;
    const event = log.append("result", () => {
      renders++;
      return { a: "b\nc" };
    });
    expect(renders).toBe(0);
    expect(event.frame).toBe('id: x-1\nevent: result\ndata: {"a":"b\\nc"}\n\n');
    expect(event.frame).toBe(event.frame);
    expect(renders).toBe(1);
  });

  it("tells a reader to reset when the ring no longer holds what it missed, or the id is not of this run", () => {
    const log = new EventLog({ capacity: 3, epoch: "e1" });
    for (let i = 0; i < 10; i++) log.append("tick", () => ({ i }));
    expect(log.since("e1-7")).toMatchObject({ kind: "events" });
    const seven = log.since("e1-7");
    expect(seven.kind === "events" && seven.events.map((e) => e.seq)).toEqual([8, 9, 10]);
    expect(log.since("e1-6")).toMatchObject({ kind: "reset" });
    expect(log.since("e0-9")).toMatchObject({ kind: "reset", reason: "event id of another hub run" });
    expect(log.since("e1-11")).toMatchObject({ kind: "reset" });
    expect(log.since("garbage")).toMatchObject({ kind: "reset" });
  });
});
