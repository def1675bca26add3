import { z } from "zod";
import type { Random } from "../../ports/random.ts";
import { ms, probability, window } from "../fields.ts";
import { defineFault } from "../kind.ts";
import { LOST } from "./reorder.ts";

/** With the probability, a second copy of a message (same messageId and body) follows it 1..maxLagMs later. */
export const duplicateInTransit = z.strictObject({ probability, maxLagMs: ms.min(1) });
export type DuplicateInTransit = z.output<typeof duplicateInTransit>;

/** How much later the copy of one message follows it; undefined when it has none. */
export function drawCopyLag(spec: DuplicateInTransit, random: Random): number | undefined {
  return random.chance(spec.probability) ? random.int(1, spec.maxLagMs) : undefined;
}

export const DUPLICATED = "duplicated in transit";

export const duplicate = defineFault({
  schema: z.strictObject({ kind: z.literal("duplicate"), ...window, probability, maxLagMs: ms.min(1).default(2_000) }),
  counts: [DUPLICATED, LOST],
  describe: () => ({ label: "duplicate" }),
  install: (f, network) =>
    network.board.openTransit(f, { duplicate: { probability: f.probability, maxLagMs: Math.max(1, network.ms(f.maxLagMs)) } }),
  remove: (f, network) => network.board.closeTransit(f),
});
