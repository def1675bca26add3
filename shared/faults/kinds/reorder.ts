import { z } from "zod";
import type { Random } from "../../ports/random.ts";
import { ms, probability, window } from "../fields.ts";
import { defineFault } from "../kind.ts";

/** With the probability, a message is held 1..windowMs on its way, so messages sent after it overtake it. */
export const reorderInTransit = z.strictObject({ probability, windowMs: ms.min(1) });
export type ReorderInTransit = z.output<typeof reorderInTransit>;

/** How long one message is held back; 0 when it is not. */
export function drawHold(spec: ReorderInTransit, random: Random): number {
  return random.chance(spec.probability) ? random.int(1, spec.windowMs) : 0;
}

export const HELD_BACK = "held back for reordering";
/** A message held back (or a copy), whose late publish failed: the broker never got it. */
export const LOST = "lost in transit";

export const reorder = defineFault({
  schema: z.strictObject({ kind: z.literal("reorder"), ...window, ...reorderInTransit.shape }),
  counts: [HELD_BACK, LOST],
  describe: () => ({ label: "reorder" }),
  install: (f, network) =>
    network.board.openTransit(f, { reorder: { probability: f.probability, windowMs: Math.max(1, network.ms(f.windowMs)) } }),
  remove: (f, network) => network.board.closeTransit(f),
});
