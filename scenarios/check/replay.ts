import { describeState } from "./describe.ts";
import type { Decision } from "./evidence.ts";
import { sameItem } from "./model/canonical.ts";
import { type ModelDecision, ReferenceModel } from "./model/model.ts";
import type { Violation } from "./verdict.ts";

/** The hub's decisions fed through the reference model: the model as they leave it, and where the two first disagree. */
export interface Replay {
  model: ReferenceModel;
  /** The first decision of each item where the hub and the model disagree, in decision order. */
  divergences: Violation[];
  /** Why the model refuses, by decision number, for each decision it rejects. */
  refusals: ReadonlyMap<number, string>;
}

/** Whether the hub decided as the model does: the same outcome, the same version written, the same current state after. */
function agrees(hub: Decision, model: ModelDecision): boolean {
  return hub.outcome === model.outcome && hub.storedVersion === model.storedVersion && sameItem(hub.current, model.current);
}

function decided(d: { outcome: string; storedVersion: number | undefined; current: Decision["current"]; reason?: string }): string {
  const stored = d.storedVersion !== undefined ? `, stores v${d.storedVersion}` : "";
  const why = d.reason !== undefined ? ` (${d.reason})` : "";
  return `${d.outcome}${why}${stored}, current ${describeState(d.current)}`;
}

/**
 * Feeds every proposal the hub decided, in the hub's decision order, through the model and
 * compares each decision with the model's. Once an item diverges its later decisions follow from
 * a different past, so only its first divergence is reported.
 */
export function replay(decisions: readonly Decision[], startedAt: number): Replay {
  const model = new ReferenceModel();
  const diverged = new Set<string>();
  const divergences: Violation[] = [];
  const refusals = new Map<number, string>();
  for (const d of decisions) {
    const mine = model.apply({ kind: d.kind, origin: d.origin, state: d.proposed });
    if (mine.reason !== undefined) refusals.set(d.n, mine.reason);
    const key = `${d.kind} ${d.id}`;
    if (diverged.has(key) || agrees(d, mine)) continue;
    diverged.add(key);
    const t = d.at - startedAt;
    divergences.push({
      invariant: "model-agrees",
      item: d.id,
      at: t,
      decision: d.n,
      message: `${d.kind} ${d.id}: decision #${d.n} (t=${t} ms), the ${d.origin}'s proposal ${describeState(d.proposed)}${d.messageId ? ` in message ${d.messageId}` : ""}: the hub decided ${decided(d)}; the model decides ${decided(mine)}`,
    });
  }
  return { model, divergences, refusals };
}
