import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Random } from "../shared/ports/random.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { SHRINE_OBFUSCATION } from "../shared/protocol/items.ts";
import { noiseFor, obfuscateAnswer, obfuscateCount } from "./obfuscate.ts";

const { binSize, noiseClamp, lowLimit } = SHRINE_OBFUSCATION;

/** A Random whose Gaussian draws are fixed, to reach the clamp and the rounding edges on purpose. */
function fixedGaussian(z: number): Random {
  const r = new SeededRandom("unused");
  r.gaussian = (mean = 0, stdDev = 1) => mean + stdDev * z;
  return r;
}

describe("obfuscateCount", () => {
  it("uses SHRINE's parameters and returns them with the count", () => {
    expect(SHRINE_OBFUSCATION).toEqual({ binSize: 5, stdDev: 6.5, noiseClamp: 10, lowLimit: 10 });
    expect(obfuscateCount(1234, new SeededRandom(1)).obfuscation).toEqual(SHRINE_OBFUSCATION);
    expect(obfuscateCount(3, new SeededRandom(1)).obfuscation).toEqual(SHRINE_OBFUSCATION);
  });

  it("reports -1 at or under the low limit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: lowLimit }), fc.string(), (n, seed) => {
        expect(obfuscateCount(n, new SeededRandom(seed)).count).toBe(-1);
      }),
    );
  });

  it("errs by at most noiseClamp + binSize/2, reports a multiple of the bin above the limit or -1", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.string(), fc.double({ min: -10, max: 10, noNaN: true }), (n, seed, z) => {
        for (const noise of [new SeededRandom(seed), fixedGaussian(z)]) {
          const { count } = obfuscateCount(n, noise);
          if (count === -1) {
            // -1 only where the noisy count could have reached the limit.
            expect(n).toBeLessThanOrEqual(lowLimit + noiseClamp + binSize / 2);
          } else {
            expect(count % binSize).toBe(0);
            expect(count).toBeGreaterThan(lowLimit);
            expect(Math.abs(count - n)).toBeLessThanOrEqual(noiseClamp + binSize / 2);
          }
        }
      }),
    );
  });

  it("clamps the noise: an extreme draw moves the binned count by noiseClamp exactly", () => {
    expect(obfuscateCount(1000, fixedGaussian(100)).count).toBe(1010);
    expect(obfuscateCount(1000, fixedGaussian(-100)).count).toBe(990);
    expect(obfuscateCount(1000, fixedGaussian(0)).count).toBe(1000);
    // Just above the limit, noise pulling down to the limit gives -1.
    expect(obfuscateCount(15, fixedGaussian(-100)).count).toBe(-1);
  });

  it("is stable for one true count at one site, and differs between sites", () => {
    const site = new SeededRandom("site:hospital-a");
    const runs = Array.from({ length: 20 }, () => obfuscateCount(5000, noiseFor(site, 5000)).count);
    expect(new Set(runs).size).toBe(1);
    expect(obfuscateCount(5000, noiseFor(new SeededRandom("site:hospital-a"), 5000)).count).toBe(runs[0]);
    // Over many sites the noise does vary (it is not always zero).
    const spread = new Set<number>();
    for (let i = 0; i < 50; i++) spread.add(obfuscateCount(5000, noiseFor(new SeededRandom(`site:${i}`), 5000)).count);
    expect(spread.size).toBeGreaterThan(2);
  });
});

describe("obfuscateAnswer", () => {
  const site = new SeededRandom("site:hospital-a");
  const truth = {
    count: 312,
    breakdowns: {
      sex: { female: 170, male: 142 },
      vitalStatus: { living: 280, deceased: 25, notRecorded: 7 },
    },
  };

  it("obfuscates every breakdown cell as the count is, each with the noise of its own true value", () => {
    const answer = obfuscateAnswer(truth, site);
    expect(answer.count).toBe(obfuscateCount(312, noiseFor(site, 312)).count);
    expect(answer.obfuscation).toEqual(SHRINE_OBFUSCATION);
    expect(answer.breakdowns).toEqual({
      sex: { female: obfuscateCount(170, noiseFor(site, 170)).count, male: obfuscateCount(142, noiseFor(site, 142)).count },
      vitalStatus: {
        living: obfuscateCount(280, noiseFor(site, 280)).count,
        deceased: obfuscateCount(25, noiseFor(site, 25)).count,
        notRecorded: -1,
      },
    });
    for (const cells of Object.values(answer.breakdowns ?? {})) {
      for (const cell of Object.values(cells as Record<string, number>))
        expect(cell === -1 || (cell > lowLimit && cell % binSize === 0)).toBe(true);
    }
  });

  it("gives a cell the same value as a count of the same true number, so no question asked two ways averages the noise away", () => {
    const answer = obfuscateAnswer(truth, site);
    expect(answer.breakdowns?.sex?.female).toBe(obfuscateAnswer({ count: 170 }, site).count);
    expect(obfuscateAnswer(truth, new SeededRandom("site:hospital-a"))).toEqual(answer);
  });

  it("adds no breakdowns when none were counted", () => {
    expect(obfuscateAnswer({ count: 312 }, site)).not.toHaveProperty("breakdowns");
  });
});
