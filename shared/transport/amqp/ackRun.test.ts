import { describe, expect, it } from "vitest";
import { AckRun } from "./ackRun.ts";

/** An AckRun whose turns the test ends by hand, recording the frames it sends. */
function run(maxHeld = 100) {
  const frames: [number, boolean][] = [];
  let pending: (() => void) | undefined;
  const acks = new AckRun(
    (tag, multiple) => frames.push([tag, multiple]),
    maxHeld,
    (flush) => {
      pending = flush;
    },
  );
  const endTurn = () => {
    const f = pending;
    pending = undefined;
    f?.();
  };
  return { acks, frames, endTurn };
}

describe("AckRun", () => {
  it("settles a run of deliveries acked in one turn with one multiple ack", () => {
    const { acks, frames, endTurn } = run();
    for (const tag of [1, 2, 3, 4]) acks.delivered(tag);
    for (const tag of [3, 1, 4, 2]) acks.ack(tag);
    expect(frames).toEqual([]);
    endTurn();
    expect(frames).toEqual([[4, true]]);
  });

  it("never covers a delivery that is not settled yet", () => {
    const { acks, frames, endTurn } = run();
    for (const tag of [1, 2, 3, 4]) acks.delivered(tag);
    acks.ack(1);
    acks.ack(3);
    acks.ack(4);
    endTurn();
    expect(frames).toEqual([[1, true]]);
    acks.ack(2);
    endTurn();
    expect(frames).toEqual([
      [1, true],
      [4, true],
    ]);
  });

  it("walks past deliveries settled by frames of their own without acking them", () => {
    const { acks, frames, endTurn } = run();
    for (const tag of [1, 2, 3]) acks.delivered(tag);
    acks.ack(1);
    acks.settledAlone(2);
    endTurn();
    expect(frames).toEqual([[1, true]]);
    acks.ack(3);
    endTurn();
    expect(frames).toEqual([
      [1, true],
      [3, true],
    ]);
  });

  it("sends nothing for a run of nacked deliveries", () => {
    const { acks, frames, endTurn } = run();
    for (const tag of [1, 2]) acks.delivered(tag);
    acks.settledAlone(1);
    acks.settledAlone(2);
    acks.flush();
    endTurn();
    expect(frames).toEqual([]);
  });

  it("acks one by one what waits behind a stuck delivery once more than maxHeld wait, and each only once", () => {
    const { acks, frames, endTurn } = run(2);
    for (const tag of [1, 2, 3, 4, 5]) acks.delivered(tag);
    acks.ack(2);
    acks.ack(3);
    endTurn();
    expect(frames).toEqual([]);
    acks.ack(4);
    endTurn();
    expect(frames).toEqual([
      [2, false],
      [3, false],
      [4, false],
    ]);
    acks.ack(1);
    acks.ack(5);
    endTurn();
    expect(frames.slice(3)).toEqual([[5, true]]);
  });

  it("keeps its memory bounded over a long run", () => {
    const { acks, frames, endTurn } = run();
    for (let tag = 1; tag <= 10_000; tag++) {
      acks.delivered(tag);
      acks.ack(tag);
      if (tag % 100 === 0) endTurn();
    }
    expect(frames).toHaveLength(100);
    expect(frames.at(-1)).toEqual([10_000, true]);
    expect((acks as unknown as { tags: number[] }).tags.length).toBeLessThan(2_100);
  });
});
