import type { Clock } from "../ports/clock.ts";
import type { Random } from "../ports/random.ts";
import type { Applied, Proposal, Store } from "../ports/store.ts";
import { ForwardingStore } from "../store/forwarding.ts";
import type { CrashPoint, FaultBoard } from "./board.ts";
import type { FaultReport } from "./kind.ts";
import { HubCrashedError } from "./kinds/hubCrash.ts";
import { heardLate, listenHeldBack } from "./heardLate.ts";
import {
  STORE_LISTEN_HELD,
  STORE_STEP_FAILED,
  STORE_STEP_HEARD_LATE,
  STORE_STEP_STALLED,
  STORE_WAKEUP_LOST,
  StoreStepFailedError,
} from "./kinds/storeFault.ts";

/**
 * The hub's store with the faults of a FaultBoard around its store steps of ingest, the bursts
 * that carry a node's proposals: a step that fails (nothing stored), stalls or is heard late once
 * it committed, and the hub crashing before a step commits or after it and before its acks. The
 * hub's own writes (fan-out, timedOut, query status) pass untouched, and so does every step while
 * no such fault is in force, but for the hub crashing once a fan-out committed, before its
 * run-queries go out. And the store's wake-ups to its watchers: lost while the "mute" fault is in
 * force, and none while "deaf" is for a watch begun then.
 */
export class FaultyStore extends ForwardingStore {
  constructor(
    inner: Store,
    private readonly deps: { board: FaultBoard; clock: Clock; random: Random; report: FaultReport },
  ) {
    super(inner);
  }

  override apply(proposals: readonly Proposal[]): Promise<Applied[]> {
    if (this.deps.board.hubCrashArmed("afterFanOut") && isFanOut(proposals)) return this.fanOutStep(proposals);
    // The same promise as the store's own when nothing strikes: a run without store faults is not shifted by a turn.
    if (!this.deps.board.storeFaulted() || !proposals.some((p) => p.origin === "node")) return super.apply(proposals);
    return this.faultedStep(proposals);
  }

  /** The fan-out commits, and the hub crashes before it hears so: what it stored, it never sends. */
  private async fanOutStep(proposals: readonly Proposal[]): Promise<Applied[]> {
    const applied = await super.apply(proposals);
    this.crash("afterFanOut");
    return applied;
  }

  private async faultedStep(proposals: readonly Proposal[]): Promise<Applied[]> {
    const { board, clock, random, report } = this.deps;
    if (this.crash("beforeCommit")) throw new HubCrashedError("the hub crashed before its store step committed");
    const { fail, stall, late } = board.storeFaults;
    if (fail && random.chance(fail.probability)) {
      report.faulted("hub", STORE_STEP_FAILED);
      throw new StoreStepFailedError("the store step failed: nothing of the burst was stored");
    }
    if (stall && random.chance(stall.probability)) {
      report.faulted("hub", STORE_STEP_STALLED);
      await clock.sleep(stall.stallMs);
    }
    let applied: Applied[];
    if (late && random.chance(late.probability)) {
      report.faulted("hub", STORE_STEP_HEARD_LATE);
      applied = await heardLate(late.stallMs, clock, () => super.apply(proposals));
    } else applied = await super.apply(proposals);
    this.crash("afterCommit");
    return applied;
  }

  override watch(listener: () => void): () => void {
    const { board, random, report } = this.deps;
    const wake = () => {
      const mute = board.storeFaults.mute;
      if (mute && random.chance(mute.probability)) report.faulted("hub", STORE_WAKEUP_LOST);
      else listener();
    };
    const deaf = board.storeFaults.deaf;
    if (!deaf || !random.chance(deaf.probability)) return this.inner.watch(wake);
    report.faulted("hub", STORE_LISTEN_HELD);
    const healed = board.storeFaultHealed("deaf");
    let hearing = false;
    let watching = true;
    const { watching: unwatch, held } = listenHeldBack(healed, () => this.inner.watch(() => hearing && wake()));
    // A store whose client held its LISTEN back hears from then on, and says itself what it may have
    // missed; one that made none is deaf here until the fault heals, then wakes its watcher once, as
    // a store that listened late should.
    hearing = held;
    void healed.then(() => {
      if (hearing || !watching) return;
      hearing = true;
      wake();
    });
    return () => {
      watching = false;
      unwatch();
    };
  }

  /** Crashes the hub if a crash is armed at the point; answers whether it did. */
  private crash(point: CrashPoint): boolean {
    const crash = this.deps.board.takeHubCrash(point);
    crash?.();
    return crash !== undefined;
  }
}

/** A fan-out: the hub stores a query with its results in one step (no other step holds both). */
function isFanOut(proposals: readonly Proposal[]): boolean {
  return proposals.some((p) => p.kind === "query") && proposals.some((p) => p.kind === "result");
}
