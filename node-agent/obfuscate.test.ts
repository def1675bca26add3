import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Random } from "../shared/ports/random.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { SHRINE_OBFUSCATION } from "../shared/protocol/items.ts";
import { noiseFor, obfuscateCount } from "./obfuscate.ts";

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
