import { canonicalJson } from "../../shared/apply/sameState.ts";
import type { Store } from "../../shared/ports/store.ts";
import { StatusView } from "./statusView.ts";

/** A fresh view from the record alone: every stored state replayed in store order. */
export async function rebuildView(store: Store, into = new StatusView()): Promise<StatusView> {
  for await (const s of store.replay()) into.take(s.kind, s.state, Date.parse(s.storedAt));
  return into;
}

/** Where two views differ: one line per item shown differently, empty when they agree. */
export function viewDifferences(a: StatusView, b: StatusView, names: readonly [string, string] = ["first view", "second view"]): string[] {
  const shown = (v: StatusView) => new Map([...v.shown()].map(({ kind, state }) => [`${kind} ${state.id}`, canonicalJson(state)]));
  return keyedDifferences(shown(a), shown(b), names);
}

/** Where two item-by-item pictures differ, whatever they were drawn from: one line per key. */
export function keyedDifferences(
  a: ReadonlyMap<string, string>,
  b: ReadonlyMap<string, string>,
  names: readonly [string, string],
): string[] {
  const out: string[] = [];
  for (const [k, r] of b) {
    const l = a.get(k);
    if (l === undefined) out.push(`${k}: only in the ${names[1]}`);
    else if (l !== r) out.push(`${k}: ${l} != ${r}`);
  }
  for (const k of a.keys()) if (!b.has(k)) out.push(`${k}: only in the ${names[0]}`);
  return out;
}
