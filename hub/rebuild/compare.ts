import { z } from "zod";
import type { Store } from "../../shared/ports/store.ts";
import { keyedDifferences, rebuildView, viewDifferences } from "../view/rebuild.ts";
import type { StatusView } from "../view/statusView.ts";

/**
 * The rebuilt view against a live one in the same process, item by item and whole states: what a
 * scenario checker calls once the network is quiet. Empty when the record and the view agree.
 */
export async function rebuildDifferences(store: Store, live: StatusView): Promise<string[]> {
  return viewDifferences(await rebuildView(store), live, ["rebuilt view", "live view"]);
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
