import { describe, expect, it } from "vitest";
import type { Decision, Settlement } from "./evidence.ts";
import { RULES, ruleCounts, unexercised } from "./rules.ts";

const Q = "5a2c8e14-9b3d-4c6f-a1e7-2d4f6b8c0e13";
const R = `${Q}:site-a`;
const state = (v: number, status: string) => ({ id: R, versionInfo: { itemVersion: v }, status });

let n = 0;
function decision(
  origin: "hub" | "node",
  outcome: string,
  proposed: ReturnType<typeof state>,
  current = proposed,
  stored = true,
): Decision {
  n++;
  return {
    n,
    at: n,
    kind: "result",
    id: R,
    origin,
    outcome,
    proposed,
    storedVersion: stored ? proposed.versionInfo.itemVersion : undefined,
    current,
    messageId: undefined,
  };
}
const settled = (how: Settlement["how"]): Settlement => ({ seq: 0, at: 0, messageId: undefined, type: "result-update", how });

describe("rule counts", () => {
  it("count a node's proposals by outcome, the hub's timedOut, a final over it, and every dead letter", () => {
    const running = state(3, "running");
    const timedOut = state(4, "timedOut");
    const decisions = [
      decision("hub", "applied", state(1, "created")),
      decision("hub", "applied", state(2, "sentToNode")),
      decision("node", "applied", running),
      decision("node", "applied-late", state(2, "receivedByNode"), running),
      decision("node", "duplicate", running, running, false),
      decision("hub", "applied", timedOut),
      decision("node", "conflict-discarded", state(4, "running"), timedOut, false),
      decision("node", "conflict-rebased", state(4, "completed"), state(5, "completed")),
      decision("node", "conflict-discarded", state(5, "failed"), state(5, "completed"), false),
      decision("node", "rejected", state(1, "running"), undefined, false),
    ];
    const settlements = [settled("ack"), settled("deadLetter"), settled("nack"), settled("deadLetter")];
    expect(ruleCounts(decisions, settlements)).toEqual({
      applied: 1,
      "applied-late": 1,
      duplicate: 1,
      rebased: 1,
      discarded: 2,
      timedOut: 1,
      "late-final": 1,
      rejected: 2,
    });
  });

  it("do not count a timedOut the hub proposed but did not store, nor a final that did not replace it", () => {
    const timedOut = state(4, "timedOut");
    const counts = ruleCounts(
      [
        decision("hub", "applied", timedOut),
        decision("hub", "duplicate", timedOut, timedOut, false),
        decision("node", "applied-late", state(3, "completed"), timedOut),
      ],
      [],
    );
    expect(counts.timedOut).toBe(1);
    expect(counts["late-final"]).toBe(0);
  });

  it("name the declared rules that did not fire", () => {
    const counts = ruleCounts([decision("node", "applied", state(3, "running"))], []);
    expect(unexercised(["applied", "rebased", "timedOut"], counts)).toEqual(["rebased", "timedOut"]);
    expect(unexercised([], counts)).toEqual([]);
    expect(RULES).toHaveLength(8);
  });
});
