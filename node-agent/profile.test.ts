import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NODE_PROFILES } from "../shared/config.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { drawMs, PROFILES } from "./profile.ts";

describe("latency profiles", () => {
  it("exist for every profile name the configuration accepts", () => {
    for (const name of NODE_PROFILES) expect(PROFILES[name].name).toBe(name);
  });

  it("draw within their distributions' bounds, scaled by the time scale", () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(1, 0.1, 0.001), (seed, scale) => {
        const r = new SeededRandom(seed);
        const uniform = drawMs({ kind: "uniform", min: 1000, max: 2000 }, r, scale);
        expect(uniform).toBeGreaterThanOrEqual(Math.round(1000 * scale));
        expect(uniform).toBeLessThanOrEqual(Math.round(2000 * scale));
        const skewed = drawMs({ kind: "logNormal", median: 1000, sigma: 2, max: 5000 }, r, scale);
        expect(skewed).toBeGreaterThanOrEqual(0);
        expect(skewed).toBeLessThanOrEqual(Math.round(5000 * scale));
        expect(drawMs({ kind: "constant", ms: 400 }, r, scale)).toBe(Math.round(400 * scale));
      }),
    );
  });

  it("give the same draw for the same seed", () => {
    const d = { kind: "logNormal", median: 3000, sigma: 1.3, max: 120_000 } as const;
    expect(drawMs(d, new SeededRandom("x"))).toBe(drawMs(d, new SeededRandom("x")));
  });
});
