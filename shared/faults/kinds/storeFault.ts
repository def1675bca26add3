import { z } from "zod";
import { ms, probability, window } from "../fields.ts";
import { defineFault } from "../kind.ts";

export const STORE_STEP_FAILED = "store step failed, its burst given back";
export const STORE_STEP_STALLED = "store step stalled";
export const STORE_STEP_HEARD_LATE = "store step heard late";
export const STORE_WAKEUP_LOST = "store wake-up lost";
export const STORE_LISTEN_HELD = "store listen held back";

/** A store step that failed as an aborted transaction does: nothing of its burst was stored. */
export class StoreStepFailedError extends Error {
  override readonly name = "StoreStepFailedError";
}

/** What a run's report calls each effect. */
const LABELS = {
  fail: "store steps fail",
  stall: "store steps stall",
  late: "store steps heard late",
  mute: "store wake-ups lost",
  deaf: "store listens late",
} as const;

/**
 * The hub's store misbehaves for the window: each store step of ingest (a burst of the nodes'
 * proposals) fails with the probability ("fail": the transaction aborts, nothing of the burst is
 * stored, ingest gives the burst back to the broker), waits `stallMs` before it begins ("stall"), or
 * commits and is heard to have committed only `stallMs` later ("late": the database's answer held
 * up on its way, or the hub paused right after it): its states are in the store, and other readers,
 * the hub's own view among them, see them before the hub that wrote them hears so and acks them; or
 * each wake-up the store gives its watchers is lost with the probability ("mute"), as a
 * notification is when the connection that listens drops: a view then learns of what any hub
 * stored only when it reads on at its poll, and its own hub's writes reach it first; or a watch of
 * the store begun in the window (a view's, as its hub starts) is deaf with the probability until the
 * window ends ("deaf": the LISTEN of a SQL store in real time takes hold only then, as when its
 * connection is slow to reach the database), so a write committed meanwhile wakes no one.
 */
export const storeFault = defineFault({
  schema: z.strictObject({
    kind: z.literal("storeFault"),
    ...window,
    effect: z.enum(["fail", "stall", "late", "mute", "deaf"]),
    probability,
    stallMs: ms.min(1).default(2_000),
  }),
  counts: [STORE_STEP_FAILED, STORE_STEP_STALLED, STORE_STEP_HEARD_LATE, STORE_WAKEUP_LOST, STORE_LISTEN_HELD],
  describe: (f) => ({ label: LABELS[f.effect] }),
  install: (f, network) =>
    f.effect === "stall" || f.effect === "late"
      ? network.board.setStoreFault(f.effect, { probability: f.probability, stallMs: network.ms(f.stallMs) })
      : network.board.setStoreFault(f.effect, { probability: f.probability }),
  remove: (f, network) => network.board.setStoreFault(f.effect, undefined),
});
