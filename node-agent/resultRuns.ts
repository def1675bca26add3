import type { Logger } from "../shared/log.ts";
import type { Clock } from "../shared/ports/clock.ts";
import type { Random } from "../shared/ports/random.ts";
import type { Obfuscation, ResultState } from "../shared/protocol/items.ts";
import { countMatching } from "./evaluate.ts";
import type { NodeLedger, RecordedQuery, RecordedState } from "./ledger.ts";
import { type DatePrint, printDates } from "./datePrint.ts";
import { leaveOut, type OptionalField } from "./leaveOut.ts";
import { type PlannedStep, planSteps, stepState } from "./lifecycle.ts";
import { obfuscateAnswer, type SiteAnswer } from "./obfuscate.ts";
import type { NodeObserver } from "./observer.ts";
import type { Population } from "./population.ts";
import type { LatencyProfile } from "./profile.ts";
import type { ResultPublisher } from "./publisher.ts";
import type { Waits } from "./waits.ts";

export interface ResultRunsOptions {
  clock: Clock;
  /** Each result's lifecycle draws and each proposal's messageId come from forks of it. */
  random: Random;
  population: Population;
  /** The site's secret: its obfuscation noise. */
  secret: Random;
  /** The site's obfuscation parameters. */
  obfuscation: Obfuscation;
  profile: LatencyProfile;
  timeScale: number;
  ledger: NodeLedger;
  publisher: ResultPublisher;
  waits: Waits;
  log: Logger;
  observer: NodeObserver;
  /** The optional fields its states leave out. */
  leaveOut: readonly OptionalField[];
  /** How it prints the instants of its states. */
  dates: DatePrint;
}

/**
 * The results a node is working on, each run from the newest state the node knows through its
 * lifecycle steps: wait the step's delay, stamp the next state, record it in the ledger, publish it.
 */
export class ResultRuns {
  /** Result runs in progress, by result id. */
  private readonly active = new Map<string, Promise<void>>();

  constructor(private readonly options: ResultRunsOptions) {}

  /** Results not yet final at this node. */
  get size(): number {
    return this.active.size;
  }

  /** Runs in progress, for the agent's stop to wait on. */
  inProgress(): Promise<void>[] {
    return [...this.active.values()];
  }

  /** Counts the query, plans what is left of its result from the newest known state, and runs the plan. */
  begin(query: RecordedQuery, newest: RecordedState | undefined): void {
    const { population, secret, obfuscation, profile, random, clock, timeScale, observer } = this.options;
    const sendsBreakdowns = !this.options.leaveOut.includes("breakdowns");
    const truth = countMatching(population, query.definition);
    const answer = obfuscateAnswer(truth, secret, obfuscation);
    const from = newest?.result ?? query.sent;
    const steps = planSteps({
      from,
      profile,
      random: random.fork(`lifecycle:${query.resultId}:${from.versionInfo.itemVersion}`),
      startAt: clock.now(),
      answer,
      timeScale,
    });
    const finalStatus = (steps.at(-1)?.status ?? from.status) === "failed" ? "failed" : "completed";
    // A completed plan reports the answer; an empty one (the result was final already) what it said then.
    const said = steps.length === 0 ? from : undefined;
    observer.onCounted?.({
      resultId: query.resultId,
      queryId: query.queryId,
      trueCount: truth.count,
      reportedCount: finalStatus === "completed" ? (said?.count ?? answer.count) : null,
      finalStatus,
      ...(truth.breakdowns && {
        trueBreakdowns: truth.breakdowns,
        ...(sendsBreakdowns && { reportedBreakdowns: finalStatus === "completed" ? (said?.breakdowns ?? answer.breakdowns) : null }),
      }),
    });
    const unconfirmed = newest && !newest.published ? newest : undefined;
    const run = this.drive(from, unconfirmed, steps, answer).finally(() => this.active.delete(query.resultId));
    this.active.set(query.resultId, run);
  }

  private async drive(
    from: ResultState,
    unconfirmed: RecordedState | undefined,
    steps: readonly PlannedStep[],
    answer: SiteAnswer,
  ): Promise<void> {
    const { clock, ledger, publisher, waits, log } = this.options;
    try {
      if (unconfirmed) await publisher.send(unconfirmed.result, unconfirmed.messageId);
      let previous = from;
      for (const step of steps) {
        await waits.for(step.delayMs);
        // Built and stamped when it goes out: the version after the state before it.
        const result = printDates(leaveOut(stepState(step, previous, clock.now(), answer), this.options.leaveOut), this.options.dates);
        const messageId = this.messageIdOf(result);
        await ledger.recordState(result, messageId);
        await publisher.send(result, messageId);
        previous = result;
      }
    } catch (error) {
      if (waits.abandoned) return;
      log.error({ resultId: from.id, err: error }, "result lifecycle stopped by an error; it resumes at the next start");
    }
  }

  /**
   * A proposal's messageId follows from what tells it apart (item, version, status, stamp), so
   * every resend of it carries the same one; hashing these is far cheaper than the whole state.
   */
  private messageIdOf(result: ResultState): string {
    const v = result.versionInfo;
    return this.options.random
      .fork(`message:${result.id}:${v.itemVersion}:${v.changeDate}:${result.status}:${result.progress ?? ""}:${result.count ?? ""}`)
      .uuid();
  }
}
