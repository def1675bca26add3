import { cellBoundFindings, cellConvergenceFindings, type Finding, sumFindings } from "../breakdowns.ts";
import { describeState } from "../describe.ts";
import type { ItemState, QueryPicture, RunEvidence } from "../evidence.ts";
import { canonical, sameItem } from "../model/canonical.ts";
import { isFinal, stageOf } from "../model/ladder.ts";
import { obfuscationBreach, weakerThan } from "../obfuscation.ts";
import type { Violation } from "../verdict.ts";
import type { Check } from "./check.ts";

const shownCount = (r: { status: string; count: number | null }) => `${r.status}${r.count !== null ? ` count ${r.count}` : ""}`;

/** Each query of the run by id, as a view shows it. */
const pictures = (all: readonly QueryPicture[]) => new Map(all.map((q) => [q.id, q]));

/** Every item a view shows, keyed by kind and id, as canonical JSON. */
export function shown(all: readonly QueryPicture[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const q of all) {
    out.set(`query ${q.id}`, canonical(q.query));
    for (const r of q.results) out.set(`result ${r.id}`, canonical(r));
  }
  return out;
}

/** The findings of a breakdown rule over every query the live view shows, as violations of an invariant. */
function breakdownViolations(
  invariant: "convergence" | "no-double-count" | "obfuscation-bounds",
  evidence: RunEvidence,
  rule: (q: QueryPicture) => Finding[],
): Violation[] {
  return evidence.live.flatMap((q) => rule(q).map((f) => ({ invariant, ...f })));
}

/** Invariants over the view at the end of the run, when every fault has healed. */
export const VIEW_CHECKS = {
  /** The view shows, for every query and result, the model's current state. */
  "view-equals-model"(evidence, { model }) {
    const out: Violation[] = [];
    const queries = new Set(evidence.queryIds);
    const shownQueries = new Map(evidence.live.map((q) => [q.id, q.query]));
    const shownResults = new Map(evidence.live.flatMap((q) => q.results.map((r) => [r.id, r])));
    for (const { kind, id, current } of model.currents()) {
      const queryId = kind === "query" ? id : current.queryId;
      if (queryId === undefined || !queries.has(queryId)) continue;
      const viewed: ItemState | undefined = kind === "query" ? shownQueries.get(id) : shownResults.get(id);
      if (sameItem(viewed, current)) continue;
      out.push({
        invariant: "view-equals-model",
        item: id,
        message: `${kind} ${id}: the view shows ${describeState(viewed)}, the model's current state is ${describeState(current)}${viewed && viewed.versionInfo.itemVersion === current.versionInfo.itemVersion && viewed.status === current.status ? " (same version and status, other fields differ)" : ""}`,
      });
    }
    return out;
  },

  /**
   * After the faults heal, every query is done and each site's row shows one of the final states
   * of the highest stage its writers proposed, and a count the site counted. Which of several
   * writers' finals at that stage wins depends on their versions and on rebases: the model judges
   * that (view-equals-model); this one asks only that the site's answer got through.
   */
  convergence(evidence) {
    const out: Violation[] = [];
    const finals = new Map<string, (ItemState & { count?: number })[]>();
    for (const u of evidence.updates) {
      if (!isFinal("result", u.result.status)) continue;
      const best = finals.get(u.result.id)?.[0];
      const order = best ? stageOf("result", u.result.status) - stageOf("result", best.status) : 1;
      if (order > 0) finals.set(u.result.id, [u.result]);
      else if (order === 0) finals.get(u.result.id)?.push(u.result);
    }
    const live = pictures(evidence.live);
    for (const queryId of evidence.queryIds) {
      const q = live.get(queryId);
      if (!q) {
        out.push({ invariant: "convergence", item: queryId, message: `query ${queryId} is missing from the view` });
        continue;
      }
      if (q.read.status !== "done")
        out.push({ invariant: "convergence", item: queryId, message: `query ${queryId} ended ${q.read.status}, not done` });
      for (const nodeId of q.query.nodeIds ?? []) {
        const id = `${queryId}:${nodeId}`;
        const row = q.read.nodes.find((n) => n.nodeId === nodeId);
        const best = finals.get(id) ?? [];
        const expected =
          best.length > 0
            ? [...new Set(best.map((b) => `${b.status}${b.count !== undefined ? ` count ${b.count}` : ""}`))].join(" or ")
            : "timedOut (the site never confirmed a final state)";
        const agrees =
          row &&
          (best.length > 0
            ? best.some((b) => row.status === b.status && (b.count === undefined || row.count === b.count))
            : row.status === "timedOut");
        if (!agrees)
          out.push({
            invariant: "convergence",
            item: id,
            message: `result ${id}: the view shows ${row ? `${shownCount(row)} v${row.itemVersion}` : "no row"}, the site's final proposal is ${expected}`,
          });
        if (row?.status !== "completed") continue;
        const told = (evidence.truths.get(id) ?? []).map((t) => t.reportedCount);
        if (told.length > 0 && !told.includes(row.count as number))
          out.push({
            invariant: "convergence",
            item: id,
            message: `result ${id}: count ${row.count} is not what the site counted (${told.join(", ")})`,
          });
      }
    }
    return [...out, ...breakdownViolations("convergence", evidence, (q) => cellConvergenceFindings(q, evidence.truths))];
  },

  /** One row per site the query was sent to, in node id order; the total is the sum of the sites' counts, each breakdown sum the sum of their cells. */
  "no-double-count"(evidence) {
    const out: Violation[] = [];
    for (const q of evidence.live) {
      const sites = q.read.nodes.map((n) => n.nodeId);
      const dup = sites.find((s, i) => sites.indexOf(s) !== i);
      if (dup) out.push({ invariant: "no-double-count", item: q.id, message: `query ${q.id}: site ${dup} has more than one row` });
      const outOfOrder = sites.findIndex((s, i) => i > 0 && !((sites[i - 1] as string) < s));
      if (!dup && outOfOrder > 0)
        out.push({
          invariant: "no-double-count",
          item: q.id,
          message: `query ${q.id}: the rows are not in node id order: ${sites[outOfOrder - 1]} before ${sites[outOfOrder]}`,
        });
      const sent = q.query.nodeIds;
      if (sent && sites.length !== sent.length)
        out.push({ invariant: "no-double-count", item: q.id, message: `query ${q.id}: ${sites.length} rows for ${sent.length} sites` });
      const sum = q.read.nodes.reduce((s, n) => s + (n.status === "completed" && n.count !== null && n.count >= 0 ? n.count : 0), 0);
      if (q.read.summary.totalCount !== sum || q.read.summary.nodes !== sites.length)
        out.push({
          invariant: "no-double-count",
          item: q.id,
          message: `query ${q.id}: totalCount ${q.read.summary.totalCount} over ${q.read.summary.nodes} sites, but the sites' counts sum to ${sum} over ${sites.length}`,
        });
    }
    return [
      ...out,
      ...breakdownViolations("no-double-count", evidence, (q) => sumFindings(q, evidence.truths, evidence.defaultObfuscation)),
    ];
  },

  /** The view rebuilt from the store alone equals the live one, item by item. */
  "rebuild-equals-live"(evidence) {
    const live = shown(evidence.live);
    const rebuilt = shown(evidence.rebuilt);
    const out: Violation[] = [];
    for (const key of new Set([...live.keys(), ...rebuilt.keys()])) {
      const l = live.get(key);
      const r = rebuilt.get(key);
      if (l === r) continue;
      out.push({
        invariant: "rebuild-equals-live",
        item: key.slice(key.indexOf(" ") + 1),
        message: `live != rebuilt: ${key}: ${l ?? "only in the rebuilt view"} != ${r ?? "only in the live view"}`,
      });
    }
    return out;
  },

  /**
   * A reported count, and every breakdown cell, is within the obfuscation's error bound of the true
   * number of the agent that reported it (two agents running as one site, each with its own
   * patients, count differently), with parameters no weaker than the network allows.
   */
  "obfuscation-bounds"(evidence) {
    const out: Violation[] = [];
    for (const q of evidence.live) {
      for (const r of q.results) {
        if (r.status !== "completed" || r.count === undefined) continue;
        const weaker = weakerThan(r.obfuscation ?? evidence.defaultObfuscation, evidence.minimumObfuscation);
        if (weaker) out.push({ invariant: "obfuscation-bounds", item: r.id, message: `result ${r.id}: ${weaker}` });
        const counted = evidence.truths.get(r.id) ?? [];
        if (counted.length === 0) {
          out.push({
            invariant: "obfuscation-bounds",
            item: r.id,
            message: `result ${r.id}: completed with count ${r.count}, but no site counted it`,
          });
          continue;
        }
        const reporters = counted.filter((c) => c.reportedCount === r.count);
        const truths = [...new Set((reporters.length > 0 ? reporters : counted).map((c) => c.trueCount))];
        const o = r.obfuscation ?? evidence.defaultObfuscation;
        if (truths.every((trueCount) => obfuscationBreach(r.count as number, trueCount, o) !== undefined))
          out.push({
            invariant: "obfuscation-bounds",
            item: r.id,
            message: `result ${r.id}: reported ${r.count} for a true count of ${truths.join(" or ")} (bound ±${o.noiseClamp + o.binSize / 2}, low limit ${o.lowLimit})`,
          });
      }
    }
    return [
      ...out,
      ...breakdownViolations("obfuscation-bounds", evidence, (q) => cellBoundFindings(q, evidence.truths, evidence.defaultObfuscation)),
    ];
  },
} satisfies Record<"view-equals-model" | "convergence" | "no-double-count" | "rebuild-equals-live" | "obfuscation-bounds", Check>;
