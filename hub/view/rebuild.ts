import type { Store } from "../../shared/ports/store.ts";
import { StatusView } from "./statusView.ts";

/** A fresh view from the record alone: every stored state replayed in store order. */
export async function rebuildView(store: Store, into = new StatusView()): Promise<StatusView> {
  for await (const s of store.replay()) into.take(s.kind, s.state, Date.parse(s.storedAt));
  return into;
}

/** Where two views differ: one line per item shown differently, empty when they agree. */
export function viewDifferences(a: StatusView, b: StatusView): string[] {
  const key = (kind: string, id: string) => `${kind} ${id}`;
  const text = (s: unknown) => JSON.stringify(s);
  const left = new Map<string, string>();
  for (const { kind, state } of a.shown()) left.set(key(kind, state.id), text(state));
  const out: string[] = [];
  for (const { kind, state } of b.shown()) {
    const k = key(kind, state.id);
    const l = left.get(k);
    if (l === undefined) out.push(`${k}: only in the second view`);
    else if (l !== text(state)) out.push(`${k}: ${l} != ${text(state)}`);
    left.delete(k);
  }
  for (const k of left.keys()) out.push(`${k}: only in the first view`);
  return out;
}
