import { FAULT_KINDS, faultKind } from "../../../shared/faults/mod.ts";
import type { RunResult } from "../../run/runner.ts";

/** The part of a counted action ("hospital-a: result duplicated in transit") that a kind's `counts` names. */
const counts = (action: string, what: string) => action.endsWith(`: ${what}`) || action.endsWith(` ${what}`);

/**
 * What a run's fault counts leave out: the kinds of the scenario's faults that counted nothing,
 * and the actions that no kind of the fault table says it counts.
 */
export function uncounted(result: RunResult): { silentKinds: string[]; unknownActions: string[] } {
  const actions = [...result.history.faultActions.keys()];
  const kinds = [...new Set(result.scenario.faults.map((f) => f.kind))];
  const owned = FAULT_KINDS.flatMap((k) => faultKind(k).counts);
  return {
    silentKinds: kinds.filter((k) => !actions.some((a) => faultKind(k).counts.some((what) => counts(a, what)))),
    unknownActions: actions.filter((a) => !owned.some((what) => counts(a, what))),
  };
}
