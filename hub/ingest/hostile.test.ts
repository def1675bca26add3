import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { memoryRig, playRound, roundArb, viewDigest } from "./testing/hostileRig.ts";

describe("the hub's ingest under hostile broker input (memory broker)", () => {
  it("dead-letters every hostile message with its reason, applies every valid one around them, and its view stays right", async () => {
    let run = 0;
    let cases = 0;
    const labels = new Set<string>();
    await fc.assert(
      fc.asyncProperty(roundArb({ withUsers: true, hostile: 250 }), async (round) => {
        run++;
        const rig = await memoryRig(`hostile${run}`, `hostile-${run}`);
        const reference = await memoryRig(`reference${run}`, `hostile-${run}`);
        try {
          const played = await playRound(rig, reference, round, `run-${run}`);
          cases += played.length;
          for (const c of played) labels.add(c.label);
          // Every result completed with the count its site reported, and nothing else appeared.
          for (const q of viewDigest(rig) as { status: string; summary: { completed: number; nodes: number } }[]) {
            expect(q.status).toBe("done");
            expect(q.summary.completed).toBe(q.summary.nodes);
          }
          expect(rig.hub.view.queryIds().length).toBe(2);
        } finally {
          await rig.close();
          await reference.close();
        }
      }),
      { numRuns: 14, seed: Number(process.env.QNET_SEED ?? 20261123), endOnFailure: true },
    );
    expect(cases).toBeGreaterThanOrEqual(3_000);
    expect(labels.size).toBeGreaterThanOrEqual(20);
  });
});
