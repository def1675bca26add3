import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decide } from "../shared/apply/decide.ts";
import { type Planner, plan } from "../shared/apply/plan.ts";
import type { ItemState } from "../shared/apply/precedence.ts";
import { type Given, storedItems } from "../shared/apply/testing/given.ts";
import type { Proposal } from "../shared/ports/store.ts";
import type { ResultStatus } from "../shared/protocol/status.ts";
import { fanOut, hubProposal, nodeProposal, queryState, resultState } from "../shared/store/testing/proposals.ts";
import { canonical } from "./check/model/canonical.ts";
import { ReferenceModel } from "./check/model/model.ts";
import { BROKEN_PLANS, BROKEN_RULES } from "./run/brokenPlans.ts";
import { naivePlan } from "./run/policy.ts";

/**
 * The reference model (scenarios/check/model/) against the hub's own apply code (shared/apply/),
 * on random histories of many items: duplicates (the same state again, its keys in another
 * order), conflicts (another state at a stored version), states arriving late, the hub's
 * timedOut and finals after it, query status, and proposals the store refuses. Two readings of
 * PROTOCOL.md written apart must decide every proposal alike.
 */

const QUERIES = ["0b0e7d3c-1f6a-4b8e-9c2d-3e4f5a6b7c01", "0b0e7d3c-1f6a-4b8e-9c2d-3e4f5a6b7c02", "0b0e7d3c-1f6a-4b8e-9c2d-3e4f5a6b7c03"];
const SITES = ["site-a", "site-b", "site-c"];
const NODE_STATUSES: ResultStatus[] = ["receivedByNode", "queuedAtNode", "running", "failed", "completed"];

/** The same state with its keys in reverse order: equal to the protocol, different to a naive comparison. */
function rekeyed<T extends object>(state: T): T {
  const entries = Object.entries(state).reverse();
  return Object.fromEntries(entries.map(([k, v]) => [k, v !== null && typeof v === "object" && !Array.isArray(v) ? rekeyed(v) : v])) as T;
}

/** A node's state: few counts and progresses, so that equal states meet at one version as often as different ones. */
const nodeState = fc
  .record({
    q: fc.integer({ min: 0, max: 2 }),
    site: fc.integer({ min: 0, max: 2 }),
    version: fc.integer({ min: 1, max: 7 }),
    status: fc.constantFrom(...NODE_STATUSES),
    detail: fc.integer({ min: 0, max: 1 }),
  })
  .map(({ q, site, version, status, detail }) =>
    resultState(
      QUERIES[q] as string,
      SITES[site] as string,
      version,
      status,
      status === "completed" ? { count: 40 + detail * 5 } : status === "running" ? { progress: detail / 2 } : {},
    ),
  );

const step: fc.Arbitrary<Proposal | { again: number }> = fc.oneof(
  { weight: 6, arbitrary: nodeState.map((s) => nodeProposal(s)) },
  {
    weight: 2,
    arbitrary: fc
      .record({ q: fc.integer({ min: 0, max: 2 }), site: fc.integer({ min: 0, max: 2 }), version: fc.integer({ min: 2, max: 7 }) })
      .map(({ q, site, version }) =>
        hubProposal("result", resultState(QUERIES[q] as string, SITES[site] as string, version, "timedOut", { statusMessage: "gave up" })),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        q: fc.integer({ min: 0, max: 2 }),
        version: fc.integer({ min: 1, max: 4 }),
        status: fc.constantFrom("dispatched", "done", "failed"),
      })
      .map(({ q, version, status }) => hubProposal("query", queryState(QUERIES[q] as string, version, status as "done", SITES))),
  },
  { weight: 3, arbitrary: fc.nat().map((again) => ({ again })) },
);

/** A history: the fan-out of the first queries (a later one stays unknown; site-c is not sent the first), then the steps. */
const history = fc
  .record({ fannedOut: fc.integer({ min: 1, max: 3 }), steps: fc.array(step, { minLength: 1, maxLength: 80 }) })
  .map(({ fannedOut, steps }) => {
    const out: Proposal[] = QUERIES.slice(0, fannedOut).flatMap((q, i) => fanOut(q, i === 0 ? SITES.slice(0, 2) : SITES));
    for (const s of steps) {
      if (!("again" in s)) out.push(s);
      else if (out.length > 0) {
        const earlier = out[s.again % out.length] as Proposal;
        out.push({ ...earlier, state: rekeyed(earlier.state) });
      }
    }
    return out;
  });

/** A decision as one line, the model's and the plan's alike: outcome, version written, current state after. */
const line = (d: { outcome: string; storedVersion?: number; current?: unknown }) =>
  `${d.outcome} ${d.storedVersion ?? "-"} ${d.current ? canonical(d.current) : "-"}`;

function modelLines(proposals: readonly Proposal[]): string[] {
  const model = new ReferenceModel();
  return proposals.map((p) => line(model.apply(p)));
}

/** The planner's decisions on the history cut into bursts of the given sizes, each burst planned against what the ones before wrote. */
function planLines(planner: Planner, proposals: readonly Proposal[], sizes: readonly number[]): string[] {
  const stored: Given[] = [];
  const out: string[] = [];
  for (let at = 0, i = 0; at < proposals.length; i++) {
    const burst = proposals.slice(at, at + (sizes[i % sizes.length] as number));
    at += burst.length;
    const p = planner(burst, storedItems(stored, burst));
    p.outcomes.forEach((o, ord) => {
      const write = p.writes.find((w) => w.ord === ord);
      out.push(line({ outcome: o.outcome, storedVersion: write?.state.versionInfo.itemVersion, current: o.current }));
    });
    for (const w of p.writes) stored.push({ kind: w.kind, state: w.state });
  }
  return out;
}

const burstSizes = fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1 });

describe("the reference model against the hub's apply code", () => {
  it("decides every proposal of a random history as the plan does, in bursts of any size", () => {
    fc.assert(
      fc.property(history, burstSizes, (proposals, sizes) => {
        expect(planLines(plan, proposals, sizes)).toEqual(modelLines(proposals));
      }),
      { numRuns: 400 },
    );
  });

  it("decides every admitted proposal as decide does, one at a time", () => {
    fc.assert(
      fc.property(history, (proposals) => {
        const model = new ReferenceModel();
        const stored = new Map<string, ItemState[]>();
        for (const p of proposals) {
          const mine = model.apply(p);
          if (mine.outcome === "rejected") continue;
          const key = `${p.kind} ${p.state.id}`;
          const before = stored.get(key) ?? [];
          const theirs = decide(p.kind, before, p.state);
          const written = "write" in theirs ? theirs.write : undefined;
          expect(`${theirs.outcome} ${written?.versionInfo.itemVersion ?? "-"}`).toEqual(`${mine.outcome} ${mine.storedVersion ?? "-"}`);
          if (written) stored.set(key, [...before, written]);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("meets every outcome in those histories, so the agreement covers each rule", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(history, (proposals) => {
        for (const l of modelLines(proposals)) seen.add(l.split(" ")[0] as string);
      }),
      { numRuns: 200, seed: 12 },
    );
    expect([...seen].sort()).toEqual(["applied", "applied-late", "conflict-discarded", "conflict-rebased", "duplicate", "rejected"]);
  });

  for (const [name, planner] of [["naive", naivePlan] as const, ...BROKEN_RULES.map((r) => [r, BROKEN_PLANS[r]] as const)]) {
    it(`finds a history on which the plan with a rule taken out (${name}) and the model disagree`, () => {
      const found = fc.check(
        fc.property(history, burstSizes, (proposals, sizes) => {
          const theirs = planLines(planner, proposals, sizes);
          return modelLines(proposals).every((l, i) => l === theirs[i]);
        }),
        { numRuns: 400, seed: 12 },
      );
      expect(found.failed).toBe(true);
    });
  }
});
