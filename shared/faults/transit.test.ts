import { describe, expect, it } from "vitest";
import type { Route } from "../ports/transport.ts";
import { SeededRandom } from "../time/seededRandom.ts";
import { InvalidTransitPlanError, NO_FATE, reportFate, senderOf, TransitInjector } from "./transit.ts";

describe("TransitInjector", () => {
  it("refuses a bad plan with the reason", () => {
    const faults = new TransitInjector(new SeededRandom(1));
    expect(() => faults.set({ all: { duplicate: { probability: 2, maxLagMs: 10 } } })).toThrow(InvalidTransitPlanError);
    expect(() => faults.set({ all: { duplicate: { probability: 2, maxLagMs: 10 } } })).toThrow(/all\.duplicate\.probability/);
    expect(() => faults.setQueue("q", { reorder: { probability: 0.5, windowMs: 0 } })).toThrow(/windowMs/);
  });

  it("draws nothing for a queue without faults, and lets a queue's fields replace the global ones", () => {
    const random = new SeededRandom(1);
    const faults = new TransitInjector(random, { all: { latency: { baseMs: 10 } }, queues: { slow: { latency: { baseMs: 1000 } } } });
    expect(faults.fate("slow").latencyMs).toBe(1000);
    expect(faults.fate("other").latencyMs).toBe(10);
    faults.clear();
    const before = new SeededRandom(1).next();
    expect(faults.fate("other")).toBe(NO_FATE);
    expect(random.next()).toBe(before);
  });
});

describe("what a transit fate is counted as", () => {
  const result: Route = { to: "hub", kind: "result", nodeId: "site-a" };
  const query: Route = { to: "node", nodeId: "site-b" };

  it("counts the latency, the hold and the copy of one message, at its sender", () => {
    const counted: string[] = [];
    const report = { faulted: (who: string, what: string) => counted.push(`${who}: ${what}`) };
    reportFate(report, senderOf(result), result, { latencyMs: 5, holdMs: 0, duplicateLagMs: 3 });
    reportFate(report, senderOf(query), query, { latencyMs: 0, holdMs: 7, duplicateLagMs: undefined });
    reportFate(report, "hub", query, NO_FATE);
    expect(counted).toEqual([
      "site-a: result delayed in transit",
      "site-a: result duplicated in transit",
      "hub: run-query held back for reordering",
    ]);
  });

  it("takes a dead letter's sender from the queue it was dead-lettered from", () => {
    expect(senderOf({ to: "dead", reason: "r", origin: "query.site-b" })).toBe("site-b");
    expect(senderOf({ to: "dead", reason: "r", origin: "result.site-b" })).toBe("hub");
  });
});
