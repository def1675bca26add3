import { QueryStatus } from "../../shared/protocol/status.ts";
import type { HeldQuery, ListedPage, Listing } from "../check/evidence.ts";
import type { QueryFilter, ReplicaView } from "./replicas.ts";

/** The most a page of GET /api/queries holds: a run's queries fit in one. */
const WHOLE = 500;
/** A small page, so that a few queries take several. */
const PAGE = 2;
/** An id no query of a run has: the runner's ids are random version-4 UUIDs. */
const STRANGER = "00000000-0000-4000-8000-000000000000";
/** A researcher who submits nothing. */
const NOBODY = "nobody";

/** The filters a reader lists by, one per poll in turn: none, each status, a researcher of the run and one of none, both at once. */
function filters(researcherId: string): QueryFilter[] {
  return [
    {},
    ...QueryStatus.options.map((status) => ({ status })),
    { researcherId },
    { researcherId: NOBODY },
    { status: "done", researcherId },
  ];
}

/**
 * What a reader lists at its `poll`th poll (GET /api/queries, by one filter in turn: the whole list,
 * then page by page to one past its end), and its reads (GET /api/queries/<id>) at the same instant
 * of every query it knows of and every query the pages name, and of an id no query has; nothing
 * where the replica's API gives no listing.
 */
export function listQueries(view: ReplicaView, known: readonly string[], poll: number): Omit<Listing, "at" | "replica"> | undefined {
  const { list } = view;
  if (!list) return undefined;
  const held = new Map<string, HeldQuery>();
  const read = (id: string) => {
    const q = view.read(id);
    if (q && !held.has(id)) held.set(id, { id, status: q.status, researcherId: q.researcherId ?? "" });
  };
  for (const id of known) read(id);
  const all = filters(held.values().next().value?.researcherId ?? NOBODY);
  const filter = all[poll % all.length] as QueryFilter;
  const page = (offset: number, limit: number): ListedPage => {
    const { items, total } = list(offset, limit, filter);
    return { filter, offset, limit, items: items.map((q) => (q ? { id: q.id, status: q.status } : null)), total };
  };
  const pages = [page(0, WHOLE)];
  const end = Math.min(pages[0]?.total ?? 0, WHOLE);
  for (let offset = 0; offset <= end; offset += PAGE) pages.push(page(offset, PAGE));
  for (const p of pages) for (const item of p.items) if (item) read(item.id);
  return { held: [...held.values()], pages, strangersFound: view.read(STRANGER) ? [STRANGER] : [] };
}
