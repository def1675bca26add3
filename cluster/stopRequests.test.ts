import { describe, expect, it } from "vitest";
import { VirtualClock } from "../shared/time/virtualClock.ts";
import { KILL_AFTER_MS, StopRequests } from "./stopRequests.ts";

describe("the launcher's stop signals", () => {
  it("takes the copies of one Ctrl-C (the terminal's, npm's, tsx's) as one graceful stop", async () => {
    const clock = new VirtualClock();
    const requests = new StopRequests(clock);
    expect(requests.stopping).toBe(false);
    expect(requests.receive()).toBe("stop");
    expect(requests.stopping).toBe(true);
    expect(requests.receive()).toBe("again");
    await clock.advance(KILL_AFTER_MS - 1);
    expect(requests.receive()).toBe("again");
  });

  it("kills on a second Ctrl-C a second or more after the first", async () => {
    const clock = new VirtualClock();
    const requests = new StopRequests(clock);
    expect(requests.receive()).toBe("stop");
    await clock.advance(KILL_AFTER_MS);
    expect(requests.receive()).toBe("kill");
    expect(requests.receive()).toBe("kill");
  });
});
