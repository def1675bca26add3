import { describe, expect, it } from "vitest";
import { SeededRandom } from "./seededRandom.ts";
import { VirtualClock } from "./virtualClock.ts";

describe("the virtual clock", () => {
  it("fires timers in (time, creation) order, whatever order they were set in", async () => {
    const clock = new VirtualClock(0);
    const random = new SeededRandom("clock-order");
    const fired: [number, number][] = [];
    const set = Array.from({ length: 500 }, (_, i) => ({ i, at: random.int(0, 50) }));
    for (const { i, at } of set) clock.setTimeout(() => fired.push([clock.now(), i]), at);
    await clock.advance(100);
    const expected = [...set].sort((a, b) => a.at - b.at || a.i - b.i).map(({ i, at }) => [at, i]);
    expect(fired).toEqual(expected);
    expect(clock.pending()).toBe(0);
  });

  it("never fires a cleared timer, and does not count it as pending", async () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    const a = clock.setTimeout(() => fired.push("a"), 10);
    clock.setTimeout(() => fired.push("b"), 10);
    const c = clock.setTimeout(() => fired.push("c"), 5);
    clock.clearTimeout(a);
    clock.clearTimeout(c);
    expect(clock.pending()).toBe(1);
    expect(clock.nextAt()).toBe(10);
    await clock.advance(20);
    expect(fired).toEqual(["b"]);
  });

  it("lets the work of one instant's timers settle before the timers they set for that instant", async () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    clock.setTimeout(() => {
      seen.push("first");
      void Promise.resolve().then(() => {
        seen.push("first's work");
        clock.setTimeout(() => seen.push("set by first's work"), 0);
      });
    }, 5);
    clock.setTimeout(() => seen.push("second"), 5);
    await clock.advance(5);
    expect(seen).toEqual(["first", "second", "first's work", "set by first's work"]);
    expect(clock.now()).toBe(5);
  });

  it("stops at the limit when done() never holds", async () => {
    const clock = new VirtualClock(0);
    let ticks = 0;
    const tick = () => {
      ticks++;
      clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    expect(await clock.runWhile(() => true, 95)).toBe(false);
    expect(ticks).toBe(9);
    expect(await clock.runWhile(() => ticks < 12, 1_000)).toBe(true);
  });

  it("does not move while held work is in flight, and lets what the work started settle before the next timer", async () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`timer at ${clock.now()}`), 5);
    // Real I/O: it takes many event-loop turns, far more than settling waits for.
    const io = new Promise<void>((resolve) => setTimeout(resolve, 30));
    void clock.hold(io).then(() => {
      seen.push(`work done at ${clock.now()}`);
      clock.setTimeout(() => seen.push(`set by the work, fired at ${clock.now()}`), 0);
    });
    await clock.advance(10);
    expect(seen).toEqual(["work done at 0", "set by the work, fired at 0", "timer at 5"]);
  });

  it("answers held work's own result or error", async () => {
    const clock = new VirtualClock(0);
    await expect(clock.hold(Promise.resolve(7))).resolves.toBe(7);
    await expect(clock.hold(Promise.reject(new Error("store down")))).rejects.toThrow("store down");
    clock.setTimeout(() => undefined, 1);
    await clock.advance(1);
    expect(clock.pending()).toBe(0);
  });
});
