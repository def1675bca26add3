import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NODE_PROFILES } from "../shared/config.ts";
import { type ResultState, ResultState as ResultStateSchema } from "../shared/protocol/items.ts";
import { isFinal, resultStage } from "../shared/protocol/status.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { planLifecycle } from "./lifecycle.ts";
import { SHRINE_OBFUSCATION } from "../shared/protocol/items.ts";
import { type LatencyProfile, PROFILES } from "./profile.ts";

const T0 = Date.UTC(2026, 0, 1);
const queryId = "7c0e5b7e-4a4b-4b43-9b1a-0b7c7d3b2f11";
const sent = (itemVersion: number): ResultState => ({
  id: `${queryId}:hospital-a`,
  queryId,
  nodeId: "hospital-a",
  status: "sentToNode",
  versionInfo: { protocolVersion: 1, itemVersion, createDate: "2026-01-01T00:00:00.000Z", changeDate: "2026-01-01T00:00:00.000Z" },
});
const answer = { count: 1230, obfuscation: SHRINE_OBFUSCATION };
const plan = (from: ResultState, profile: LatencyProfile, seed: string, timeScale = 1) =>
  planLifecycle({ from, profile, random: new SeededRandom(seed), startAt: T0, answer, timeScale });

describe("planLifecycle", () => {
  it("proposes valid states, versions rising by one from the run-query's, ending final", () => {
    fc.assert(
      fc.property(fc.constantFrom(...NODE_PROFILES), fc.string(), fc.integer({ min: 1, max: 1000 }), (name, seed, v) => {
        const steps = plan(sent(v), PROFILES[name], seed);
        expect(steps.length).toBeGreaterThanOrEqual(3);
        steps.forEach((s, i) => {
          expect(ResultStateSchema.safeParse(s.result).success).toBe(true);
          expect(s.result.versionInfo.itemVersion).toBe(v + 1 + i);
          expect(s.result.versionInfo.createDate).toBe("2026-01-01T00:00:00.000Z");
          expect(s.delayMs).toBeGreaterThanOrEqual(0);
          expect(isFinal(s.result.status)).toBe(i === steps.length - 1);
        });
        expect(steps[0]!.result.status).toBe("receivedByNode");
        // Stages never go down, and running progress rises strictly.
        const stages = steps.map((s) => resultStage(s.result.status));
        expect(stages).toEqual([...stages].sort((a, b) => a - b));
        const progress = steps.filter((s) => s.result.status === "running").map((s) => s.result.progress!);
        expect(progress[0]).toBe(0);
        for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThan(progress[i - 1]!);
        const last = steps.at(-1)!.result;
        if (last.status === "completed") {
          expect(last.count).toBe(1230);
          expect(last.obfuscation).toEqual(SHRINE_OBFUSCATION);
        } else {
          expect(last.status).toBe("failed");
          expect(last.statusMessage).toBeTruthy();
          expect(last.count).toBeUndefined();
        }
        // changeDates follow the delays.
        let at = T0;
        for (const s of steps) {
          at += s.delayMs;
          expect(s.result.versionInfo.changeDate).toBe(new Date(at).toISOString());
        }
      }),
    );
  });

  it("sends a slow site through its queue and takes tens of seconds", () => {
    const steps = plan(sent(2), PROFILES.slow, "s");
    expect(steps.map((s) => s.result.status)).toContain("queuedAtNode");
    expect(steps.reduce((t, s) => t + s.delayMs, 0)).toBeGreaterThan(20_000);
  });

  it("answers within about two seconds at a fast site", () => {
    for (let i = 0; i < 50; i++) {
      const steps = plan(sent(2), PROFILES.fast, `f${i}`);
      expect(steps.at(-1)!.result.status).toBe("completed");
      expect(steps.reduce((t, s) => t + s.delayMs, 0)).toBeLessThan(2_200);
    }
  });

  it("makes a flaky site fail some queries with a message", () => {
    const finals = Array.from({ length: 100 }, (_, i) => plan(sent(2), PROFILES.flaky, `k${i}`).at(-1)!.result.status);
    expect(finals).toContain("failed");
    expect(finals).toContain("completed");
  });

  it("runs faster by the time scale", () => {
    const full = plan(sent(2), PROFILES.slow, "t").reduce((t, s) => t + s.delayMs, 0);
    const scaled = plan(sent(2), PROFILES.slow, "t", 0.01).reduce((t, s) => t + s.delayMs, 0);
    expect(scaled).toBeLessThan(full / 50);
  });

  it("resumes from the node's own running state with only what is left", () => {
    const first = plan(sent(2), PROFILES.steady, "r");
    const running =
      first.find((s) => s.result.status === "running" && (s.result.progress ?? 0) > 0) ?? first.find((s) => s.result.status === "running")!;
    const rest = plan(running.result, PROFILES.steady, "r2");
    expect(rest[0]!.result.versionInfo.itemVersion).toBe(running.result.versionInfo.itemVersion + 1);
    expect(rest.some((s) => s.result.status === "receivedByNode" || s.result.status === "queuedAtNode")).toBe(false);
    for (const s of rest.filter((s) => s.result.status === "running")) expect(s.result.progress!).toBeGreaterThan(running.result.progress!);
    expect(isFinal(rest.at(-1)!.result.status)).toBe(true);
    expect(plan(rest.at(-1)!.result, PROFILES.steady, "r3")).toEqual([]);
  });
});
