import { z } from "zod";
import type { Store } from "../../shared/ports/store.ts";
import { canonicalJson } from "../../shared/apply/sameState.ts";
import { rebuildView } from "../view/rebuild.ts";
import type { StatusView } from "../view/statusView.ts";

/**
 * The rebuilt view against a live one in the same process, item by item and whole states: what a
 * scenario checker calls once the network is quiet. Empty when the record and the view agree.
 */
export async function rebuildDifferences(store: Store, live: StatusView): Promise<string[]> {
  return viewDifferences(await rebuildView(store), live, ["rebuilt view", "live view"]);
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

/** What the API shows of a query, as far as a comparison across processes looks (PROTOCOL.md section 6). */
export const ShownQuery = z.object({
  id: z.string(),
  status: z.string(),
  itemVersion: z.number().int().optional(),
  nodes: z.array(
    z.object({
      nodeId: z.string(),
      status: z.string(),
      itemVersion: z.number().int(),
      count: z.number().int().nullable(),
      progress: z.number().nullable(),
    }),
  ),
});
export type ShownQuery = z.infer<typeof ShownQuery>;

/** One line per item of a shown query: the figures a researcher reads from it. */
export function shownLines(q: ShownQuery): [string, string][] {
  const lines: [string, string][] = [[`query ${q.id}`, `status=${q.status} itemVersion=${q.itemVersion ?? "?"}`]];
  for (const n of q.nodes) {
    lines.push([`result ${q.id}:${n.nodeId}`, `status=${n.status} itemVersion=${n.itemVersion} count=${n.count} progress=${n.progress}`]);
  }
  return lines;
}

/** Every query of a view, in the shape the API shows it. */
export function shownQueries(view: StatusView): ShownQuery[] {
  return view.queryIds().flatMap((id) => {
    const q = view.get(id);
    return q ? [q] : [];
  });
}

/** The rebuilt queries against the queries a running hub shows, line by line. */
export function shownDifferences(rebuilt: readonly ShownQuery[], live: readonly ShownQuery[]): string[] {
  const picture = (qs: readonly ShownQuery[]) => new Map(qs.flatMap(shownLines));
  return keyedDifferences(picture(rebuilt), picture(live), ["rebuilt view", "live view"]);
}
