import { describeState } from "../describe.ts";
import type { RunEvidence } from "../evidence.ts";
import { sameItem } from "../model/canonical.ts";
import { isFinal } from "../model/ladder.ts";
import type { Violation } from "../verdict.ts";
import { type Check, sinceStart } from "./check.ts";
import { resultSteps } from "./decisions.ts";

/**
 * How often the hub sweeps for overdue results, as docs/protocol.md promises it: a quarter of the
 * result timeout, at most 5 s and at least 50 ms.
 */
export const sweepIntervalMs = (timeoutMs: number): number => Math.max(50, Math.min(5_000, Math.floor(timeoutMs / 4)));

/**
 * Invariants over when the hub does what it must do, judged on a virtual clock only, where time is
 * exact, and not while the duties were held back (a hub or replica down, the store failing or stalling).
 */
export const TIMING_CHECKS = {
  /**
   * A result's non-final state does not stand past the result timeout plus one overdue sweep
   * (docs/protocol.md): by then the hub has stored timedOut, unless the state moved before.
   */
  "timeout-prompt"(evidence) {
    const out: Violation[] = [];
    if (evidence.clock !== "virtual") return out;
    const timeout = evidence.resultTimeoutMs;
    const sweep = sweepIntervalMs(timeout);
    for (const { d, before, movedAt } of resultSteps(evidence)) {
      if (before === undefined || movedAt === undefined || isFinal("result", before.status)) continue;
      if (!d.current || sameItem(d.current, before)) continue;
      const due = movedAt + timeout + sweep;
      if (d.at <= due || heldBack(evidence, movedAt, due)) continue;
      const t = sinceStart(evidence, d.at);
      const what =
        d.origin === "hub" && d.proposed.status === "timedOut"
          ? "timedOut was stored only"
          : `it moved to ${describeState(d.current)} with no timedOut`;
      out.push({
        invariant: "timeout-prompt",
        item: d.id,
        at: t,
        decision: d.n,
        message: `result ${d.id}: ${describeState(before)} stood from t=${sinceStart(evidence, movedAt)} ms and was due to time out by t=${sinceStart(evidence, due)} ms (the result timeout of ${timeout} ms and a sweep of ${sweep} ms), but ${what} at decision #${d.n} (t=${t} ms)`,
      });
    }
    return out;
  },

  /**
   * A query is done as soon as it is dispatched and every result of it is final: the hub marks it
   * in the step that made it so (docs/protocol.md, section 9 step 4), not at a later settle sweep.
   */
  "done-prompt"(evidence) {
    const out: Violation[] = [];
    if (evidence.clock !== "virtual") return out;
    const queryStatus = new Map<string, string | undefined>();
    const resultStatus = new Map<string, Map<string, string | undefined>>();
    const readyAt = new Map<string, number>();
    const judged = new Set<string>();
    for (const d of evidence.decisions) {
      const q = d.kind === "query" ? d.id : d.proposed.queryId;
      if (q === undefined) continue;
      if (d.kind === "query" && d.origin === "hub" && d.proposed.status === "done" && !judged.has(q)) {
        judged.add(q);
        const ready = readyAt.get(q);
        if (ready !== undefined && d.at > ready && !heldBack(evidence, ready, d.at))
          out.push({
            invariant: "done-prompt",
            item: q,
            at: sinceStart(evidence, d.at),
            decision: d.n,
            message: `query ${q}: dispatched with every result final at t=${sinceStart(evidence, ready)} ms, but done was decided only at decision #${d.n} (t=${sinceStart(evidence, d.at)} ms)`,
          });
      }
      if (d.current === undefined) continue;
      if (d.kind === "query") queryStatus.set(q, d.current.status);
      else {
        const of = resultStatus.get(q) ?? new Map<string, string | undefined>();
        of.set(d.id, d.current.status);
        resultStatus.set(q, of);
      }
      const results = [...(resultStatus.get(q)?.values() ?? [])];
      const ready = queryStatus.get(q) === "dispatched" && results.length > 0 && results.every((s) => isFinal("result", s));
      if (!ready) readyAt.delete(q);
      else if (!readyAt.has(q)) readyAt.set(q, d.at);
    }
    return out;
  },
} satisfies Record<"timeout-prompt" | "done-prompt", Check>;

/** Whether the duties were held back at some time from `from` to `to`. */
const heldBack = (evidence: RunEvidence, from: number, to: number) => evidence.dutiesHeldBack.some((w) => w.from <= to && w.to >= from);
