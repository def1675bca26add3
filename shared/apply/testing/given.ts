import type { Proposal } from "../../ports/store.ts";
import { type Plan, type Planner, type StoredItems, plan } from "../plan.ts";
import type { ItemKind, ItemState } from "../precedence.ts";

/** A stored state as a plan's test gives it: a hub or node proposal can stand for one. */
export interface Given {
  kind: ItemKind;
  state: ItemState;
}

const keyOf = (kind: ItemKind, id: string) => `${kind} ${id}`;

/** What a plan reads of a burst, from the states given; frozen, so a plan that wrote into what it read would throw. */
export function storedItems(given: readonly Given[], burst: readonly Proposal[]): StoredItems {
  const items = new Map<string, ItemState[]>();
  for (const { kind, state } of given) {
    const key = keyOf(kind, state.id);
    items.set(key, [...(items.get(key) ?? []), state]);
  }
  for (const states of items.values()) Object.freeze(states);
  return {
    statesOf: (ord) => {
      const p = burst[ord] as Proposal;
      return items.get(keyOf(p.kind, p.state.id)) ?? [];
    },
    queryKnown: (queryId) => items.has(keyOf("query", queryId)),
  };
}

/** Given stored states, when a burst arrives: the plan, the versioned one unless `under` names another. */
export function given(...stored: readonly Given[]) {
  const when =
    (planner: Planner) =>
    (...burst: Proposal[]): Plan =>
      planner(burst, storedItems(stored, burst));
  return { when: when(plan), under: (planner: Planner) => ({ when: when(planner) }) };
}

/** What a plan's outcomes say, one line each: the outcome and its reason, or the current status and version. */
export function outcomesOf(p: Plan): string[] {
  return p.outcomes.map((o) => {
    const current = o.current as { status?: string; versionInfo: { itemVersion: number } } | undefined;
    return `${o.outcome}: ${o.reason ?? `${current?.status} v${current?.versionInfo.itemVersion}`}`;
  });
}

/** A plan's writes, one line each: proposal position, version and outcome. */
export const writesOf = (p: Plan): string[] => p.writes.map((w) => `#${w.ord} v${w.state.versionInfo.itemVersion} ${w.outcome}`);
