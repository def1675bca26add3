import { describe, expect, it } from "vitest";
import { checkRun } from "../checker.ts";
import type { Decision, ListedPage, Listing, RunEvidence } from "../evidence.ts";
import { Q, T0, correctRecord, fanOut, query } from "../testing/record.ts";

/** A second query, stored after Q. */
const R = "0a1b2c3d-4e5f-4061-8273-849506172839";

/** The record of a hub with Q and, stored after it, R; a reader lists them at t=500 ms. */
function twoQueries(): RunEvidence {
  const e = correctRecord(fanOut(["site-a"]));
  const created: Decision = {
    ...(e.decisions[0] as Decision),
    n: e.decisions.length + 1,
    id: R,
    proposed: { ...query(1, "created", ["site-a"]), id: R },
  };
  return { ...e, decisions: [...e.decisions, created] };
}

const held = [
  { id: Q, status: "dispatched", researcherId: "r" },
  { id: R, status: "created", researcherId: "r" },
];
const item = (id: string) => held.find((q) => q.id === id) as { id: string; status: string };
const page = (ids: string[], total: number, offset = 0, limit = 500, filter: ListedPage["filter"] = {}): ListedPage => ({
  filter,
  offset,
  limit,
  items: ids.map((id) => ({ id, status: item(id).status })),
  total,
});
const listing = (pages: ListedPage[], strangersFound: string[] = []): Listing => ({ at: T0 + 500, held, pages, strangersFound });

const violationsOf = (e: RunEvidence, listings: Listing[]) =>
  checkRun({ ...e, listings })
    .violations.filter((v) => v.invariant === "listing-agrees")
    .map((v) => v.message);

describe("listing-agrees", () => {
  it("holds for pages that list the held queries newest first, filtered, each slice at its offset", () => {
    const pages = [page([R, Q], 2), page([R], 2, 0, 1), page([Q], 2, 1, 1), page([], 2, 2, 1)];
    const filtered = [page([Q], 1, 0, 500, { status: "dispatched" }), page([], 0, 0, 500, { researcherId: "nobody" })];
    expect(violationsOf(twoQueries(), [listing(pages), listing(filtered)])).toEqual([]);
  });

  it("fails a list oldest first, one that misses a query or miscounts, and a filter that keeps what it should not", () => {
    const e = twoQueries();
    const q = Q.slice(0, 8);
    const r = R.slice(0, 8);
    expect(violationsOf(e, [listing([page([Q, R], 2)])])).toEqual([
      `a reader at t=500 ms: GET /api/queries?offset=0&limit=500 answered [${q} dispatched, ${r} created] of total 2; the reads of each query held [${r} created, ${q} dispatched] of total 2 there`,
    ]);
    expect(violationsOf(e, [listing([page([R], 1)]), listing([page([R, Q], 3)])])).toHaveLength(2);
    expect(violationsOf(e, [listing([page([R, Q], 2, 0, 500, { status: "created" })])])).toEqual([
      `a reader at t=500 ms: GET /api/queries?status=created&offset=0&limit=500 answered [${r} created, ${q} dispatched] of total 2; the reads of each query held [${r} created] of total 1 there`,
    ]);
  });

  it("fails an item that is no query, and a read that finds a query no id has", () => {
    const e = twoQueries();
    const withHole: ListedPage = { ...page([R], 2), items: [item(R), null] };
    expect(violationsOf(e, [listing([withHole])])).toHaveLength(1);
    expect(violationsOf(e, [listing([page([R, Q], 2)], ["00000000-0000-4000-8000-000000000000"])])).toEqual([
      "a reader read query 00000000-0000-4000-8000-000000000000, which no query has, and found one at t=500 ms (the API must answer 404)",
    ]);
  });

  it("on a replica, takes its whole list in any order, and every other page as its slice", () => {
    const e = twoQueries();
    const onReplica = (pages: ListedPage[]): Listing => ({ ...listing(pages), replica: 1 });
    expect(violationsOf(e, [onReplica([page([Q, R], 2), page([Q], 2, 0, 1), page([R], 2, 1, 1)])])).toEqual([]);
    expect(violationsOf(e, [onReplica([page([Q, R], 2), page([R], 2, 0, 1)])])).toEqual([
      `a reader on replica 1 at t=500 ms: GET /api/queries?offset=0&limit=1 answered [${R.slice(0, 8)} created] of total 2; the reads of each query held [${Q.slice(0, 8)} dispatched] of total 2 there`,
    ]);
  });
});
