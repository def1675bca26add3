import { z } from "zod";
import { ms, probability, window } from "../fields.ts";
import { defineFault } from "../kind.ts";

export const STORE_STEP_FAILED = "store step failed, its burst given back";
export const STORE_STEP_STALLED = "store step stalled";

/** A store step that failed as an aborted transaction does: nothing of its burst was stored. */
export class StoreStepFailedError extends Error {
  override readonly name = "StoreStepFailedError";
}

/**
 * The hub's store misbehaves for the window: each store step of ingest (a burst of the nodes'
 * proposals) fails with the probability ("fail": the transaction aborts, nothing of the burst is
 * stored, ingest gives the burst back to the broker), or waits `stallMs` before it begins ("stall").
 */
export const storeFault = defineFault({
  schema: z.strictObject({
    kind: z.literal("storeFault"),
    ...window,
    effect: z.enum(["fail", "stall"]),
    probability,
    stallMs: ms.min(1).default(2_000),
  }),
  counts: [STORE_STEP_FAILED, STORE_STEP_STALLED],
  describe: (f) => ({ label: `store steps ${f.effect === "fail" ? "fail" : "stall"}` }),
  install: (f, network) =>
    f.effect === "fail"
      ? network.board.setStoreFault("fail", { probability: f.probability })
      : network.board.setStoreFault("stall", { probability: f.probability, stallMs: network.ms(f.stallMs) }),
  remove: (f, network) => network.board.setStoreFault(f.effect, undefined),
});
