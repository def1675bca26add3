import { describe, expect, it } from "vitest";
import { systemClock } from "../../shared/time/systemClock.ts";
import { runUntilDone } from "./schedule.ts";

/** A thousandth of real time, so that the drain after the wait is a few milliseconds. */
const time = (ms: number) => ms / 1000;

describe("runUntilDone on the wall clock", () => {
  it("waits past done until the network is quiet: a site's late final must reach the view before the check", async () => {
    let asked = 0;
    const quiet = () => ++asked >= 4;
    await runUntilDone(systemClock, () => true, { start: systemClock.now(), limitMs: 600_000, time, quiet });
    expect(asked).toBe(4);
  });

  it("does not wait for quiet past the scenario's limit", async () => {
    let asked = 0;
    const quiet = () => {
      asked++;
      return false;
    };
    // The limit passed before the run began.
    await runUntilDone(systemClock, () => true, { start: systemClock.now() - 10_000, limitMs: 1_000, time, quiet });
    expect(asked).toBeLessThanOrEqual(1);
  });
});
