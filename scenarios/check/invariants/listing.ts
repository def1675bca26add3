import type { HeldQuery, ListedPage, Listing, RunEvidence } from "../evidence.ts";
import type { Violation } from "../verdict.ts";
import { type Check, sinceStart } from "./check.ts";

/** An id short enough to read in a list of them. */
const short = (id: string) => id.slice(0, 8);

function request(page: ListedPage): string {
  const { status, researcherId } = page.filter;
  const params = [
    ...(status === undefined ? [] : [`status=${status}`]),
    ...(researcherId === undefined ? [] : [`researcherId=${researcherId}`]),
    `offset=${page.offset}`,
    `limit=${page.limit}`,
  ];
  return `GET /api/queries?${params.join("&")}`;
}

/** Each query's place in store order, from 0: by the decision that first stored it. */
function storeOrder(evidence: RunEvidence): Map<string, number> {
  const order = new Map<string, number>();
  for (const d of evidence.decisions) {
    if (d.kind === "query" && d.storedVersion !== undefined && !order.has(d.id)) order.set(d.id, order.size);
  }
  return order;
}

/**
 * What the page should answer: the held queries its filter keeps, newest first, the slice at its
 * offset, and their number. With one hub, newest first is the order the store took them, in which
 * its view took them. A replica takes its own queries when it stores them and the others' as its
 * feed reaches them, so its order is its own: there the first page (the whole list) must hold the
 * queries the reads found, in any order, and every other page the slice of that order.
 */
function expectedPage(listing: Listing, page: ListedPage, order: Map<string, number>): { items: HeldQuery[]; total: number } {
  const { status, researcherId } = page.filter;
  const kept = listing.held.filter(
    (q) => (status === undefined || q.status === status) && (researcherId === undefined || q.researcherId === researcherId),
  );
  const whole = listing.pages[0]?.items.map((item) => item?.id) ?? [];
  // Where each query belongs, from the front; one the order does not know of, last.
  const place = (q: HeldQuery) => {
    const stored = order.get(q.id);
    const at = listing.replica !== undefined ? whole.indexOf(q.id) : stored === undefined ? -1 : order.size - 1 - stored;
    return at < 0 ? Number.MAX_SAFE_INTEGER : at;
  };
  kept.sort((a, b) => place(a) - place(b));
  return { items: kept.slice(page.offset, page.offset + page.limit), total: kept.length };
}

const shown = (xs: readonly ({ id: string; status: string } | null)[]) =>
  `[${xs.map((x) => (x === null ? "no query" : `${short(x.id)} ${x.status}`)).join(", ")}]`;

function pageFault(listing: Listing, page: ListedPage, order: Map<string, number>): string | undefined {
  const expected = expectedPage(listing, page, order);
  const { items } = page;
  const same =
    page.total === expected.total &&
    items.length === expected.items.length &&
    items.every((item, i) => item !== null && item.id === expected.items[i]?.id && item.status === expected.items[i]?.status);
  if (same) return undefined;
  return `${request(page)} answered ${shown(page.items)} of total ${page.total}; the reads of each query held ${shown(expected.items)} of total ${expected.total} there`;
}

/** Invariants over what readers listed. */
export const LISTING_CHECKS = {
  /**
   * What a reader lists (`GET /api/queries`) is, at that instant, every query its reads of each
   * query find, newest first (with one hub: the order the store took them), each with the status
   * its read shows; a filter keeps exactly the queries of that status and researcher, `total`
   * counting them; a page is the slice at its offset; and a read of an id no query has finds none.
   */
  "listing-agrees"(evidence) {
    const out: Violation[] = [];
    const order = storeOrder(evidence);
    for (const listing of evidence.listings) {
      const t = sinceStart(evidence, listing.at);
      const where = listing.replica === undefined ? "" : ` on replica ${listing.replica}`;
      const stranger = listing.strangersFound[0];
      if (stranger !== undefined) {
        out.push({
          invariant: "listing-agrees",
          item: stranger,
          at: t,
          message: `a reader${where} read query ${stranger}, which no query has, and found one at t=${t} ms (the API must answer 404)`,
        });
        continue;
      }
      for (const page of listing.pages) {
        const fault = pageFault(listing, page, order);
        if (fault === undefined) continue;
        out.push({ invariant: "listing-agrees", item: request(page), at: t, message: `a reader${where} at t=${t} ms: ${fault}` });
        break;
      }
    }
    return out;
  },
} satisfies Record<"listing-agrees", Check>;
