import type { Random } from "../shared/ports/random.ts";
import type { ResultState } from "../shared/protocol/items.ts";
import { isFinal, type ResultStatus } from "../shared/protocol/status.ts";
import { nextVersion } from "../shared/protocol/versionInfo.ts";
import type { SiteAnswer } from "./obfuscate.ts";
import { type Distribution, drawMs, type LatencyProfile } from "./profile.ts";

/** One state a node will propose, and how long after the previous one it goes out. */
export interface PlannedState {
  delayMs: number;
  result: ResultState;
}

export interface LifecycleInput {
  /** The newest state of the result the node knows: the run-query's sentToNode, or its own last state on resume. */
  from: ResultState;
  profile: LatencyProfile;
  /** The result's own stream, so a plan does not depend on what else the node is doing. */
  random: Random;
  /** When the plan starts (clock ms): the changeDates follow from it. */
  startAt: number;
  /** The count and breakdowns a completed result reports. */
  answer: SiteAnswer;
  timeScale?: number;
}

/**
 * One state a node will propose, before it is stamped: what it says and how long after the
 * previous one it goes out. A site running thousands of results keeps these, and builds each
 * state (ids, versionInfo, dates) only when it sends it.
 */
export interface PlannedStep {
  delayMs: number;
  status: ResultStatus;
  progress?: number;
  statusMessage?: string;
}

/**
 * The rest of a result's life at the node, as proposed states: receivedByNode -> (queuedAtNode)
 * -> running, progress 0 then rising -> completed with the count (and breakdowns), or failed with a message.
 * Each state is the next version of the one before it; resuming from a node's own state plans
 * only what is left after it. A final `from` has nothing left.
 */
export function planLifecycle(input: LifecycleInput): PlannedState[] {
  const { from, startAt } = input;
  let previous = from;
  let at = startAt;
  return planSteps(input).map((step) => {
    at += step.delayMs;
    const result = stepState(step, previous, at, input.answer);
    previous = result;
    return { delayMs: step.delayMs, result };
  });
}

/** The state a step proposes: the next version of the state before it, changed at `at` (clock ms). */
export function stepState(step: PlannedStep, previous: ResultState, at: number, answer: SiteAnswer): ResultState {
  const result: ResultState = {
    id: previous.id,
    queryId: previous.queryId,
    nodeId: previous.nodeId,
    versionInfo: nextVersion(previous.versionInfo, at),
    status: step.status,
  };
  if (step.progress !== undefined) result.progress = step.progress;
  if (step.status === "completed") {
    result.count = answer.count;
    result.obfuscation = answer.obfuscation;
    if (answer.breakdowns) result.breakdowns = answer.breakdowns;
  }
  if (step.statusMessage !== undefined) result.statusMessage = step.statusMessage;
  return result;
}

/** The steps of planLifecycle, unstamped: the same draws from the same stream. */
export function planSteps({ from, profile, random, timeScale = 1 }: LifecycleInput): PlannedStep[] {
  if (isFinal(from.status)) return [];
  const ms = (d: Distribution) => drawMs(d, random, timeScale);
  const steps: PlannedStep[] = [];
  if (from.status === "created" || from.status === "sentToNode") steps.push({ delayMs: ms(profile.receive), status: "receivedByNode" });
  if (from.status === "queuedAtNode") {
    steps.push({ delayMs: ms(profile.queue.wait), status: "running", progress: 0 });
  } else if (from.status !== "running") {
    if (random.chance(profile.queue.chance)) {
      steps.push({ delayMs: ms(profile.pickup), status: "queuedAtNode" });
      steps.push({ delayMs: ms(profile.queue.wait), status: "running", progress: 0 });
    } else {
      steps.push({ delayMs: ms(profile.pickup), status: "running", progress: 0 });
    }
  }
  const progressFrom = from.status === "running" ? (from.progress ?? 0) : 0;

  // Progress marks strictly rising from where the result stands; the run time is spread in proportion.
  const updates = random.int(profile.progressUpdates.min, profile.progressUpdates.max);
  const marks = [
    ...new Set(
      Array.from({ length: Math.max(0, updates - 1) }, () => Math.round((progressFrom + random.next() * (1 - progressFrom)) * 100) / 100),
    ),
  ]
    .filter((p) => p > progressFrom && p < 1)
    .sort((a, b) => a - b);
  const runMs = ms(profile.run);
  const fails = random.chance(profile.failure.chance);
  const failAfter = fails ? random.int(0, marks.length) : marks.length;
  let reached = progressFrom;
  for (const mark of marks.slice(0, failAfter)) {
    steps.push({ delayMs: Math.round(runMs * (mark - reached)), status: "running", progress: mark });
    reached = mark;
  }
  if (fails) {
    const delayMs = Math.round(runMs * random.next() * (1 - reached));
    steps.push({ delayMs, status: "failed", statusMessage: random.pick(profile.failure.messages) });
  } else {
    steps.push({ delayMs: Math.round(runMs * (1 - reached)), status: "completed" });
  }
  return steps;
}
