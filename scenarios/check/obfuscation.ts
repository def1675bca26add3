import type { Obfuscation } from "./evidence.ts";

/**
 * The rule for every number of patients a site reports, a count or a breakdown cell, stated again
 * from SHRINE's algorithm with the parameters the site says it used: -1 when the true number is at
 * or under the low limit or the clamp; otherwise -1 or a multiple of the bin above the low limit,
 * within clamp + bin/2 of the truth.
 *
 * The reason the reported number breaks the rule, or undefined when it keeps it.
 */
export function obfuscationBreach(reported: number, truth: number, params: Obfuscation): string | undefined {
  const { binSize, noiseClamp, lowLimit } = params;
  const limit = Math.max(lowLimit, noiseClamp);
  const bound = noiseClamp + binSize / 2;
  if (reported === -1) return truth <= limit + bound ? undefined : `-1 for a true ${truth}, more than ${bound} over the limit ${limit}`;
  if (truth <= limit) return `${reported} for a true ${truth}, at or under the limit of ${limit}: it must read -1`;
  if (reported <= lowLimit) return `${reported} is at or under the low limit ${lowLimit} but is not -1`;
  if (reported % binSize !== 0) return `${reported} is not a multiple of the bin ${binSize}`;
  if (Math.abs(reported - truth) > bound) return `${reported} is more than ${bound} from the true ${truth}`;
  return undefined;
}

/**
 * Where a site's parameters blur less than the network allows: a smaller bin, clamp or low limit
 * than the policy's. A site that sends true numbers and says so (bin 1, the rest 0) keeps the rule
 * above with its own parameters, and fails here.
 */
export function weakerThan(params: Obfuscation, policy: Obfuscation): string | undefined {
  const weaker = (["binSize", "noiseClamp", "lowLimit"] as const).filter((k) => params[k] < policy[k]);
  return weaker.length === 0
    ? undefined
    : `obfuscates less than the network allows: ${weaker.map((k) => `${k} ${params[k]} < ${policy[k]}`).join(", ")}`;
}

/** The most a sum of obfuscated numbers from `sites` sites can be off the sum of their true ones. */
export function sumBound(sites: number, params: Obfuscation): number {
  return sites * (params.noiseClamp + params.binSize / 2);
}
