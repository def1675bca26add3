import { describeState } from "../describe.ts";
import type { Decision, ItemState, RunEvidence } from "../evidence.ts";
import { sameItem } from "../model/canonical.ts";
import { isFinal } from "../model/ladder.ts";
import { precedence } from "../model/model.ts";
import type { Violation } from "../verdict.ts";
import { type Check, sinceStart } from "./check.ts";

/** Invariants over the hub's decisions, one by one in the order it made them. */
export const DECISION_CHECKS = {
  /** Every decision of the hub's store is the reference model's: outcome, version written, current state after. */
  "model-agrees": (_evidence, replay) => replay.divergences,

  /** The hub's current state of an item never moves to a lower precedence. */
  "no-regression"(evidence) {
    const out: Violation[] = [];
    const current = new Map<string, ItemState>();
    for (const d of evidence.decisions) {
      if (!d.current) continue;
      const key = `${d.kind} ${d.id}`;
      const before = current.get(key);
      const t = sinceStart(evidence, d.at);
      if (before && precedence(d.kind, d.current, before) < 0) {
        out.push({
          invariant: "no-regression",
          item: d.id,
          at: t,
          decision: d.n,
          message: `${d.kind} ${d.id}: the hub's current state regressed from ${describeState(before)} to ${describeState(d.current)} at decision #${d.n} (outcome ${d.outcome}, message ${d.messageId ?? "-"}, t=${t} ms)`,
        });
      }
      current.set(key, d.current);
    }
    return out;
  },

  /**
   * The hub stores timedOut only for a result whose current state is not final and has not moved
   * for longer than the result timeout (docs/protocol.md: older than it; it moved when that state
   * was stored, the view's clock for a row), and a final state from the site replaces a timedOut.
   * With replicas in processes of their own, the current state is the one the deciding replica
   * held: its proposal's version is the one after it, and another process may have stored a newer
   * state since its read (then the store's collision rule places the timedOut).
   */
  "timeout-rule"(evidence) {
    const out: Violation[] = [];
    const byVersion = storedByVersion(evidence);
    for (const step of resultSteps(evidence, byVersion)) {
      const { d } = step;
      const basis = evidence.decisionsPutInStoreOrder ? byVersion.get(`${d.id}@${d.proposed.versionInfo.itemVersion - 1}`) : undefined;
      const { before, movedAt } =
        basis && step.before && basis.state.versionInfo.itemVersion < step.before.versionInfo.itemVersion
          ? { before: basis.state, movedAt: basis.storedAt }
          : step;
      const t = sinceStart(evidence, d.at);
      const fail = (message: string) =>
        out.push({ invariant: "timeout-rule", item: d.id, at: t, decision: d.n, message: `result ${d.id}: ${message}` });
      if (d.origin === "hub" && d.proposed.status === "timedOut" && d.storedVersion !== undefined) {
        const still = d.at - (movedAt ?? d.at);
        if (before === undefined) fail(`timedOut stored at decision #${d.n} (t=${t} ms) for a result with no state`);
        else if (isFinal("result", before.status))
          fail(`timedOut stored at decision #${d.n} (t=${t} ms) though its current state was already final: ${describeState(before)}`);
        else if (still <= evidence.resultTimeoutMs)
          fail(
            `timedOut stored at decision #${d.n} (t=${t} ms) after ${describeState(before)} had stood only ${still} ms, not longer than the result timeout of ${evidence.resultTimeoutMs} ms`,
          );
      }
      if (d.origin === "node" && before?.status === "timedOut" && isFinal("result", d.proposed.status) && d.outcome !== "rejected") {
        if (d.current?.status !== d.proposed.status)
          fail(
            `the site's final ${describeState(d.proposed)} at decision #${d.n} (t=${t} ms) did not replace timedOut: outcome ${d.outcome}, current ${describeState(d.current)}`,
          );
      }
    }
    return out;
  },
} satisfies Record<"model-agrees" | "no-regression" | "timeout-rule", Check>;

/** Every stored state by `<item id>@<version>`, with when it was stored. */
function storedByVersion(evidence: RunEvidence): Map<string, { state: ItemState; storedAt: number }> {
  const byVersion = new Map<string, { state: ItemState; storedAt: number }>();
  for (const { states } of evidence.stored)
    for (const s of states) byVersion.set(`${s.id}@${s.itemVersion}`, { state: s.state, storedAt: Date.parse(s.storedAt) });
  return byVersion;
}

/**
 * A run's result decisions in order, each with the result's current state before it and when that
 * state was stored (on the store's clock: the view's clock for a row).
 */
export function* resultSteps(
  evidence: RunEvidence,
  byVersion = storedByVersion(evidence),
): Generator<{ d: Decision; before: ItemState | undefined; movedAt: number | undefined }> {
  const current = new Map<string, ItemState>();
  const movedAt = new Map<string, number>();
  for (const d of evidence.decisions) {
    if (d.kind !== "result") continue;
    const before = current.get(d.id);
    yield { d, before, movedAt: movedAt.get(d.id) };
    if (d.current && !sameItem(d.current, before)) {
      current.set(d.id, d.current);
      movedAt.set(d.id, byVersion.get(`${d.id}@${d.current.versionInfo.itemVersion}`)?.storedAt ?? d.at);
    }
  }
}
