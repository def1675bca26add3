import { z } from "zod";
import type { Random } from "../../ports/random.ts";
import { ms, window } from "../fields.ts";
import { defineFault } from "../kind.ts";

/** Latency of every message: baseMs plus 0..jitterMs. */
export const latencyInTransit = z.strictObject({ baseMs: ms, jitterMs: ms.default(0) });
export type LatencyInTransit = z.output<typeof latencyInTransit>;

/** How long one message is held up on its way. */
export function drawLatency(spec: LatencyInTransit, random: Random): number {
  return spec.baseMs + (spec.jitterMs > 0 ? random.int(0, spec.jitterMs) : 0);
}

export const DELAYED = "delayed in transit";

export const latency = defineFault({
  schema: z.strictObject({ kind: z.literal("latency"), ...window, ...latencyInTransit.shape }),
  counts: [DELAYED],
  describe: () => ({ label: "latency" }),
  install: (f, network) => network.board.openTransit(f, { latency: { baseMs: network.ms(f.baseMs), jitterMs: network.ms(f.jitterMs) } }),
  remove: (f, network) => network.board.closeTransit(f),
});
