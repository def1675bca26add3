import type { Random } from "../shared/ports/random.ts";
import type { Breakdowns } from "../shared/protocol/breakdowns.ts";
import { type Obfuscation, SHRINE_OBFUSCATION } from "../shared/protocol/items.ts";
import type { TrueAnswer } from "./evaluate.ts";

/** What a site reports instead of a count at or under the low limit: "lowLimit patients or fewer". */
export const AT_OR_BELOW_LIMIT = -1;

export interface ObfuscatedCount {
  /** The blurred count, or -1 for "lowLimit patients or fewer". */
  count: number;
  /** The parameters used, reported with the count so a reader can state the error bound. */
  obfuscation: Obfuscation;
}

/** What a completed result reports: the obfuscated count, and the breakdowns asked for, every cell obfuscated alike. */
export interface SiteAnswer extends ObfuscatedCount {
  breakdowns?: Breakdowns;
}

/**
 * A site's answer from its true one: the count and every breakdown cell obfuscated the same way,
 * each with the noise of its own true value (noiseFor), as SHRINE obfuscates each breakdown's
 * cells with the count's obfuscator. A cell is a count of patients too: asked again, alone or as
 * the count of another query, the same true number gives the same reported one.
 */
export function obfuscateAnswer(truth: TrueAnswer, siteSecret: Random, params: Obfuscation = SHRINE_OBFUSCATION): SiteAnswer {
  const blur = (n: number) => obfuscateCount(n, noiseFor(siteSecret, n), params);
  const answer: SiteAnswer = blur(truth.count);
  if (truth.breakdowns) {
    answer.breakdowns = Object.fromEntries(
      Object.entries(truth.breakdowns).map(([kind, cells]) => [
        kind,
        Object.fromEntries(Object.entries(cells as Record<string, number>).map(([cell, n]) => [cell, blur(n).count])),
      ]),
    ) as Breakdowns;
  }
  return answer;
}

/**
 * SHRINE's count obfuscation: -1 at or under the limits; otherwise round to the bin, add
 * Gaussian noise clamped to +/- noiseClamp, round to the bin again, and -1 if that fell to the
 * limit. The error is at most noiseClamp + binSize/2 when noiseClamp is a multiple of binSize.
 *
 * `noise` must be the stream of noiseFor(site secret, true count): asking the same question again
 * at the same site, under any query id or any rewording that selects the same number of patients,
 * gives the very same count, so repeating it and averaging the answers cannot strip the noise away
 * (fresh noise per run would converge to the true count).
 */
export function obfuscateCount(trueCount: number, noise: Random, params: Obfuscation = SHRINE_OBFUSCATION): ObfuscatedCount {
  const obfuscation = { ...params };
  if (trueCount <= params.noiseClamp || trueCount <= params.lowLimit) return { count: AT_OR_BELOW_LIMIT, obfuscation };
  const binned = roundToBin(trueCount, params.binSize);
  const drawn = noise.gaussian(0, params.stdDev);
  const clamped = Math.max(-params.noiseClamp, Math.min(params.noiseClamp, drawn));
  const blurred = roundToBin(binned + clamped, params.binSize);
  return { count: blurred <= params.lowLimit ? AT_OR_BELOW_LIMIT : blurred, obfuscation };
}

/**
 * The noise of one count at one site: fixed by the site's secret seed and the true count. Keyed by
 * the count rather than by the query id, a researcher who resubmits a query, or rewords it, gets
 * no fresh draw to average; keyed by the secret, sites and networks differ.
 */
export function noiseFor(siteSecret: Random, trueCount: number): Random {
  return siteSecret.fork(`obfuscation:${trueCount}`);
}

function roundToBin(n: number, binSize: number): number {
  return Math.round(n / binSize) * binSize;
}
