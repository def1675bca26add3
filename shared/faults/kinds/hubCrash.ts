import { z } from "zod";
import { window } from "../fields.ts";
import type { CrashPoint } from "../board.ts";
import { defineFault } from "../kind.ts";
import { RESTARTED } from "./nodeCrash.ts";

export const DOWN = "down";
export const CRASHED_BEFORE_COMMIT = "crashed before its store step committed";
export const CRASHED_AFTER_COMMIT = "crashed after its store step committed, before the acks";
export const CRASHED_AFTER_FAN_OUT = "crashed after a fan-out committed, before its run-queries were sent";

const LABELS: Record<CrashPoint, string> = {
  beforeCommit: "before commit",
  afterCommit: "after commit",
  afterFanOut: "after fan-out",
};
const CRASHED: Record<CrashPoint, string> = {
  beforeCommit: CRASHED_BEFORE_COMMIT,
  afterCommit: CRASHED_AFTER_COMMIT,
  afterFanOut: CRASHED_AFTER_FAN_OUT,
};

/** The hub's process died in the middle of a store step: nothing of it was stored. */
export class HubCrashedError extends Error {
  override readonly name = "HubCrashedError";
}

/**
 * The hub crashes and a new hub starts over the same store, rebuilding its view from it. At
 * `point` "idle" (the default) it is down for the window, taking no delivery, then crashes. At
 * "beforeCommit" or "afterCommit" it crashes in the first store step of ingest in the window:
 * before the step commits (nothing of the burst is stored), or after it commits and before any
 * of its deliveries is acked. What it held unacked the broker redelivers to the new hub. At
 * "afterFanOut" it crashes once the first query submitted in the window is stored with its
 * results, before any run-query of it is sent: the new hub must send what was stored but not sent.
 */
export const hubCrash = defineFault({
  schema: z.strictObject({
    kind: z.literal("hubCrash"),
    ...window,
    point: z.enum(["idle", "beforeCommit", "afterCommit", "afterFanOut"]).default("idle"),
  }),
  counts: [DOWN, RESTARTED, CRASHED_BEFORE_COMMIT, CRASHED_AFTER_COMMIT, CRASHED_AFTER_FAN_OUT],
  describe: (f) => ({ label: f.point === "idle" ? "hub down" : `hub crash ${LABELS[f.point]}` }),
  install: (f, network) => {
    const { point } = f;
    if (point !== "idle") {
      network.board.armHubCrash(point, () => {
        network.faulted("hub", CRASHED[point]);
        // The old hub's connection closes at once, in this turn; the new hub starts meanwhile.
        network.restartHub().catch((err) => network.faulted("hub", `restart failed: ${String(err)}`));
      });
      return;
    }
    network.board.partition("hub", ["consume"]);
    network.faulted("hub", DOWN);
  },
  remove: async (f, network) => {
    if (f.point !== "idle") {
      network.board.armHubCrash(f.point, undefined);
      return;
    }
    // Heal first, in the same turn as the crash closes the connection: the deliveries the old hub
    // held then die with it instead of keeping its shutdown waiting.
    network.board.heal("hub");
    network.faulted("hub", RESTARTED);
    await network.restartHub();
  },
});
