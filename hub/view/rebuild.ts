import type { Store } from "../../shared/ports/store.ts";
import { StatusView } from "./statusView.ts";

/** A fresh view from the record alone: every stored state replayed in store order. */
export async function rebuildView(store: Store, into = new StatusView()): Promise<StatusView> {
  for await (const s of store.replay()) into.take(s.kind, s.state, Date.parse(s.storedAt));
  return into;
}
