import { describe, expect, it } from "vitest";
import { cellBoundFindings, cellConvergenceFindings, sumFindings } from "./breakdowns.ts";
import type { BreakdownCells, Counted, QueryPicture } from "./evidence.ts";
import { obfuscationBreach, weakerThan } from "./obfuscation.ts";

const Q = "7e1d2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b";
const SHRINE = { binSize: 5, noiseClamp: 10, lowLimit: 10 };

/** A completed site: the cells its state and row show, what it counted, and what it reported. */
interface Site {
  nodeId: string;
  shown: BreakdownCells | undefined;
  truth: BreakdownCells;
  reported?: BreakdownCells;
}

/** A query asking for the vital status breakdown, as the API and the view show it, and what each site counted. */
function picture(
  sites: Site[],
  sums: NonNullable<QueryPicture["read"]["summary"]["breakdowns"]>,
): {
  q: QueryPicture;
  truths: Map<string, Counted[]>;
} {
  const rows = sites.map((s) => ({
    nodeId: s.nodeId,
    status: "completed",
    stage: 1400,
    itemVersion: 6,
    count: 500,
    breakdowns: s.shown
      ? Object.entries(s.shown).map(([kind, cells]) => ({
          kind,
          cells: Object.entries(cells).map(([cell, count]) => ({ cell, count })),
        }))
      : null,
  }));
  const q: QueryPicture = {
    id: Q,
    read: { status: "done", nodes: rows, summary: { nodes: rows.length, totalCount: 500 * rows.length, breakdowns: sums } },
    query: { id: Q, versionInfo: { itemVersion: 3 }, status: "done", definition: { breakdowns: ["vitalStatus"] } },
    results: sites.map((s) => ({
      id: `${Q}:${s.nodeId}`,
      versionInfo: { itemVersion: 6 },
      status: "completed",
      count: 500,
      ...(s.shown && { breakdowns: s.shown }),
    })),
  };
  const truths = new Map(
    sites.map((s) => [
      `${Q}:${s.nodeId}`,
      [{ trueCount: 500, reportedCount: 500, trueBreakdowns: s.truth, reportedBreakdowns: s.reported ?? s.shown }],
    ]),
  );
  return { q, truths };
}

const vital = (living: number, deceased: number, notRecorded: number) => ({ vitalStatus: { living, deceased, notRecorded } });
const sum = (cells: [string, number, string][], sites = 2, missing = 0) => [
  { kind: "vitalStatus", sites, missing, cells: cells.map(([cell, totalCount, totalDisplay]) => ({ cell, totalCount, totalDisplay })) },
];

const siteA: Site = { nodeId: "a", shown: vital(410, 35, -1), truth: vital(406, 38, 4) };
const siteB: Site = { nodeId: "b", shown: vital(120, -1, -1), truth: vital(117, 9, 12) };
const rightSums = sum([
  ["living", 530, "530"],
  ["deceased", 35, "at least 35"],
  ["notRecorded", 0, "at least 0"],
]);

describe("a site that leaves breakdowns out", () => {
  it("shows none and is summed as missing; a row that shows some it never reported fails", () => {
    const plain: Site = { nodeId: "b", shown: undefined, truth: vital(117, 9, 12) };
    const sums = sum(
      [
        ["living", 410, "at least 410"],
        ["deceased", 35, "at least 35"],
        ["notRecorded", 0, "at least 0"],
      ],
      1,
      1,
    );
    const ok = picture([siteA, plain], sums);
    // What a node that leaves breakdowns out reports: no cells at all, asked or not.
    for (const c of ok.truths.get(`${Q}:b`) ?? []) delete c.reportedBreakdowns;
    expect(cellConvergenceFindings(ok.q, ok.truths)).toEqual([]);
    expect(sumFindings(ok.q, ok.truths, SHRINE)).toEqual([]);
    const made = picture([siteA, { ...plain, shown: vital(120, -1, -1) }], sums);
    for (const c of made.truths.get(`${Q}:b`) ?? []) delete c.reportedBreakdowns;
    expect(cellConvergenceFindings(made.q, made.truths).map((f) => f.message)).toEqual([
      `result ${Q}:b: shows breakdowns [vitalStatus], the query asked for [vitalStatus] and the site reports none`,
    ]);
  });
});

describe("the checker's obfuscation rule", () => {
  it("takes what SHRINE's algorithm can give, and names what it cannot", () => {
    for (const [reported, truth] of [
      [-1, 3],
      [-1, 10],
      [-1, 21],
      [15, 11],
      [410, 406],
      [395, 406],
    ])
      expect(obfuscationBreach(reported as number, truth as number, SHRINE), `${reported} for ${truth}`).toBeUndefined();
    expect(obfuscationBreach(4, 4, SHRINE)).toBe("4 for a true 4, at or under the limit of 10: it must read -1");
    expect(obfuscationBreach(15, 10, SHRINE)).toMatch(/at or under the limit/);
    expect(obfuscationBreach(406, 406, SHRINE)).toBe("406 is not a multiple of the bin 5");
    expect(obfuscationBreach(420, 406, SHRINE)).toBe("420 is more than 12.5 from the true 406");
    expect(obfuscationBreach(-1, 30, SHRINE)).toBe("-1 for a true 30, more than 12.5 over the limit 10");
    expect(obfuscationBreach(10, 14, SHRINE)).toBe("10 is at or under the low limit 10 but is not -1");
  });

  it("holds a site's own parameters to the network's least", () => {
    expect(weakerThan(SHRINE, SHRINE)).toBeUndefined();
    expect(weakerThan({ binSize: 10, noiseClamp: 20, lowLimit: 20 }, SHRINE)).toBeUndefined();
    expect(weakerThan({ binSize: 1, noiseClamp: 0, lowLimit: 0 }, SHRINE)).toBe(
      "obfuscates less than the network allows: binSize 1 < 5, noiseClamp 0 < 10, lowLimit 0 < 10",
    );
  });
});

describe("the checker's breakdown rules", () => {
  it("find nothing wrong with honest sites and sums worded as the protocol says", () => {
    const { q, truths } = picture([siteA, siteB], rightSums);
    expect(cellBoundFindings(q, truths, SHRINE)).toEqual([]);
    expect(cellConvergenceFindings(q, truths)).toEqual([]);
    expect(sumFindings(q, truths, SHRINE)).toEqual([]);
  });

  it("fail a site that sends its true cells under SHRINE's parameters", () => {
    const leaky: Site = { nodeId: "b", shown: vital(117, 9, 12), truth: vital(117, 9, 12) };
    const { q, truths } = picture(
      [siteA, leaky],
      sum([
        ["living", 527, "527"],
        ["deceased", 44, "44"],
        ["notRecorded", 12, "at least 12"],
      ]),
    );
    expect(cellBoundFindings(q, truths, SHRINE).map((f) => f.message)).toEqual([
      `result ${Q}:b: vitalStatus cell living: 117 is not a multiple of the bin 5`,
      `result ${Q}:b: vitalStatus cell deceased: 9 for a true 9, at or under the limit of 10: it must read -1`,
      `result ${Q}:b: vitalStatus cell notRecorded: 12 is not a multiple of the bin 5`,
    ]);
  });

  it("fail a row whose cells are not what its site reported, or that lacks a breakdown the query asked for", () => {
    const changed: Site = { ...siteA, shown: vital(405, 35, -1), reported: vital(410, 35, -1) };
    const without: Site = { ...siteB, shown: undefined, reported: siteB.shown };
    const { q, truths } = picture([changed, without], rightSums);
    expect(cellConvergenceFindings(q, truths).map((f) => f.message)).toEqual([
      `result ${Q}:a: the cells shown are not the cells the site reported`,
      `result ${Q}:b: shows breakdowns [], the query asked for [vitalStatus]`,
      `result ${Q}:b: the cells shown are not the cells the site reported`,
    ]);
  });

  it("fail a sum that counts a site twice, words a lower bound as exact, or strays from the true sum", () => {
    const twice = picture(
      [siteA, siteB],
      sum([
        ["living", 940, "940"],
        ["deceased", 35, "35"],
        ["notRecorded", 0, "at least 0"],
      ]),
    );
    expect(sumFindings(twice.q, twice.truths, SHRINE).map((f) => f.message)).toEqual([
      `query ${Q}: vitalStatus cell living sums to 940 ("940"), the sites' cells to 530 ("530")`,
      `query ${Q}: vitalStatus cell deceased sums to 35 ("35"), the sites' cells to 35 ("at least 35")`,
    ]);
    const stray = picture([{ ...siteA, truth: vital(380, 38, 4) }, siteB], rightSums);
    expect(sumFindings(stray.q, stray.truths, SHRINE).map((f) => f.message)).toEqual([
      `query ${Q}: vitalStatus cell living sums to 530, more than 25 from the true 497 of its 2 sites`,
    ]);
    const unsummed = picture([siteA, siteB], []);
    expect(sumFindings(unsummed.q, unsummed.truths, SHRINE).map((f) => f.message)).toEqual([
      `query ${Q}: the summary sums [], the query asked for and its completed sites show [vitalStatus]`,
    ]);
    // Every kind summed whether asked for or not: the sums of kinds no site gave read "at least 0" over missing sites, consistent but not asked.
    const noneGiven = (kind: string, cells: string[]) => ({
      kind,
      sites: 0,
      missing: 2,
      cells: cells.map((cell) => ({ cell, totalCount: 0, totalDisplay: "at least 0" })),
    });
    const everyKind = picture([siteA, siteB], [noneGiven("sex", ["female", "male"]), ...rightSums]);
    expect(sumFindings(everyKind.q, everyKind.truths, SHRINE).map((f) => f.message)).toEqual([
      `query ${Q}: the summary sums [sex, vitalStatus], the query asked for and its completed sites show [vitalStatus]`,
    ]);
  });
});
