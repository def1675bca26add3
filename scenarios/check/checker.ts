import { type ItemState, comparePrecedence, currentOf, stageOf } from "../../shared/apply/precedence.ts";
import type { CountedResult } from "../../node-agent/observer.ts";
import type { Store } from "../../shared/ports/store.ts";
import { type ResultState, SHRINE_OBFUSCATION } from "../../shared/protocol/items.ts";
import { RESULT_LADDER } from "../../shared/protocol/status.ts";
import { rebuildView, viewDifferences } from "../../hub/view/rebuild.ts";
import type { StatusView } from "../../hub/view/statusView.ts";
import type { History } from "../run/history.ts";
import { INVARIANTS, type InvariantName, type Scenario } from "../schema.ts";
import { type RuleCounts, unexercised } from "./rules.ts";

/** What a verdict judges: an invariant, or "exercises" for a rule the scenario declares that did not fire. */
export type CheckName = InvariantName | "exercises";

/** One way the run broke an invariant, small enough to read and act on. */
export interface Violation {
  invariant: CheckName;
  /** The item it is about: a result id or a query id. */
  item: string;
  message: string;
  /** Milliseconds into the run, where known: the earliest violation is the counterexample. */
  at?: number;
}

export interface Verdict {
  ok: boolean;
  checked: InvariantName[];
  /** Violations per invariant, each list in the order found. */
  violations: Violation[];
  /** The smallest counterexample: the earliest violation of the first invariant broken. */
  counterexample: Violation | undefined;
}

export interface CheckInput {
  scenario: Scenario;
  history: History;
  store: Store;
  view: StatusView;
  truths: Map<string, CountedResult[]>;
  queryIds: readonly string[];
  nodeIds: readonly string[];
  /** How often each rule fired in the run. */
  rules: RuleCounts;
}

const describe = (s: ItemState): string => {
  const r = s as ResultState;
  return `${r.status ?? "query"} v${s.versionInfo.itemVersion}${r.count !== undefined ? ` (count ${r.count})` : ""}`;
};

/** Checks a finished run against every invariant the scenario names. */
export async function checkRun(input: CheckInput): Promise<Verdict> {
  const checked = INVARIANTS.filter((i) => input.scenario.invariants.includes(i));
  const violations: Violation[] = [];
  for (const invariant of checked) violations.push(...(await CHECKS[invariant](input)));
  for (const rule of unexercised(input.scenario.exercises, input.rules)) {
    violations.push({
      invariant: "exercises",
      item: input.scenario.name,
      message: `scenario ${input.scenario.name} exists to exercise the rule ${rule}, but it never fired in this run`,
    });
  }
  const firstBroken = [...checked, "exercises" as const].find((i) => violations.some((v) => v.invariant === i));
  const counterexample = violations
    .filter((v) => v.invariant === firstBroken)
    .sort((a, b) => (a.at ?? Number.POSITIVE_INFINITY) - (b.at ?? Number.POSITIVE_INFINITY))[0];
  return { ok: violations.length === 0, checked, violations, counterexample };
}

type Check = (input: CheckInput) => Promise<Violation[]> | Violation[];

const CHECKS: Record<InvariantName, Check> = {
  /** After the faults heal, each site's row shows the best final state that site's writers proposed. */
  convergence({ history, view, truths, queryIds }) {
    const out: Violation[] = [];
    const finals = new Map<string, ResultState>();
    for (const u of history.updates) {
      if (!RESULT_LADDER[u.result.status].final) continue;
      const best = finals.get(u.result.id);
      if (!best || comparePrecedence("result", u.result, best) > 0) finals.set(u.result.id, u.result);
    }
    for (const queryId of queryIds) {
      const q = view.get(queryId);
      if (!q) {
        out.push({ invariant: "convergence", item: queryId, message: `query ${queryId} is missing from the view` });
        continue;
      }
      if (q.status !== "done")
        out.push({ invariant: "convergence", item: queryId, message: `query ${queryId} ended ${q.status}, not done` });
      for (const nodeId of view.query(queryId)?.nodeIds ?? []) {
        const id = `${queryId}:${nodeId}`;
        const row = q.nodes.find((n) => n.nodeId === nodeId);
        const best = finals.get(id);
        const expected = best
          ? `${best.status}${best.count !== undefined ? ` count ${best.count}` : ""}`
          : "timedOut (the site never confirmed a final state)";
        const shown = row ? `${row.status}${row.count !== null ? ` count ${row.count}` : ""} v${row.itemVersion}` : "no row";
        const agrees =
          row && (best ? row.status === best.status && (best.count === undefined || row.count === best.count) : row.status === "timedOut");
        if (!agrees)
          out.push({
            invariant: "convergence",
            item: id,
            message: `result ${id}: the view shows ${shown}, the site's final proposal is ${expected}`,
          });
        if (row?.status === "completed") {
          const told = (truths.get(id) ?? []).map((t) => t.reportedCount);
          if (told.length > 0 && !told.includes(row.count)) {
            out.push({
              invariant: "convergence",
              item: id,
              message: `result ${id}: count ${row.count} is not what the site counted (${told.join(", ")})`,
            });
          }
        }
      }
    }
    return out;
  },

  /** Neither the hub's current state of an item nor what a reader saw ever moves to a lower precedence. */
  "no-regression"({ history }) {
    const out: Violation[] = [];
    const current = new Map<string, ItemState>();
    for (const a of history.applied) {
      if (!a.current) continue;
      const before = current.get(a.id);
      if (before && comparePrecedence(a.kind, a.current, before) < 0) {
        out.push({
          invariant: "no-regression",
          item: a.id,
          at: a.at - history.startedAt,
          message: `${a.kind} ${a.id}: the hub's current state regressed from ${describe(before)} to ${describe(a.current)} at decision #${a.n} (outcome ${a.outcome}, message ${a.messageId ?? "-"}, t=${a.at - history.startedAt} ms)`,
        });
      }
      current.set(a.id, a.current);
    }
    const seen = new Map<string, { stage: number; itemVersion: number; status: string }>();
    for (const o of history.observed) {
      const key = `${o.queryId}:${o.nodeId}`;
      const before = seen.get(key);
      if (before && (o.stage < before.stage || (o.stage === before.stage && o.itemVersion < before.itemVersion))) {
        out.push({
          invariant: "no-regression",
          item: key,
          at: o.at - history.startedAt,
          message: `result ${key}: a reader saw ${before.status} v${before.itemVersion}, then ${o.status} v${o.itemVersion} (t=${o.at - history.startedAt} ms)`,
        });
      }
      seen.set(key, o);
    }
    return out;
  },

  /** One row per site, and the total is the sum of the sites' counts. */
  "no-double-count"({ view, queryIds }) {
    const out: Violation[] = [];
    for (const queryId of queryIds) {
      const q = view.get(queryId);
      if (!q) continue;
      const sites = q.nodes.map((n) => n.nodeId);
      const dup = sites.find((s, i) => sites.indexOf(s) !== i);
      if (dup) out.push({ invariant: "no-double-count", item: queryId, message: `query ${queryId}: site ${dup} has more than one row` });
      const sent = view.query(queryId)?.nodeIds;
      if (sent && sites.length !== sent.length)
        out.push({
          invariant: "no-double-count",
          item: queryId,
          message: `query ${queryId}: ${sites.length} rows for ${sent.length} sites`,
        });
      const sum = q.nodes.reduce((s, n) => s + (n.status === "completed" && n.count !== null && n.count >= 0 ? n.count : 0), 0);
      if (q.summary.totalCount !== sum || q.summary.nodes !== sites.length) {
        out.push({
          invariant: "no-double-count",
          item: queryId,
          message: `query ${queryId}: totalCount ${q.summary.totalCount} over ${q.summary.nodes} sites, but the sites' counts sum to ${sum} over ${sites.length}`,
        });
      }
    }
    return out;
  },

  /** No (id, itemVersion) is stored twice. */
  async "stored-once"({ store, queryIds, history }) {
    const out: Violation[] = [];
    for (const queryId of queryIds) {
      const { states } = await store.history(queryId);
      const seen = new Map<string, (typeof states)[number]>();
      for (const s of states) {
        const key = `${s.id}@${s.itemVersion}`;
        const first = seen.get(key);
        if (first) {
          out.push({
            invariant: "stored-once",
            item: s.id,
            at: Date.parse(s.storedAt) - history.startedAt,
            message: `${s.kind} ${s.id}: version ${s.itemVersion} stored twice (${describe(first.state)} at store seq ${first.seq}, ${describe(s.state)} at seq ${s.seq})`,
          });
        } else seen.set(key, s);
      }
    }
    return out;
  },

  /** Every conflict was resolved by the status ladder: rebased above the current state when it outranks it, discarded otherwise. */
  async "conflicts-by-ladder"({ store, queryIds }) {
    const out: Violation[] = [];
    for (const queryId of queryIds) {
      const { states, conflicts } = await store.history(queryId);
      for (const c of conflicts) {
        // What was stored before the collision: a store may log the rebased state before or after its conflict record.
        const before = states.filter(
          (s) => s.id === c.id && s.seq < c.seq && !(s.outcome === "conflict-rebased" && s.itemVersion === c.rebasedTo),
        );
        const current = currentOf(
          c.kind,
          before.map((s) => s.state),
        );
        if (!current) {
          out.push({
            invariant: "conflicts-by-ladder",
            item: c.id,
            message: `${c.kind} ${c.id}: a conflict at v${c.itemVersion} with nothing stored before it`,
          });
          continue;
        }
        const outranks = stageOf(c.kind, c.proposed) > stageOf(c.kind, current);
        const maxVersion = before.reduce((m, s) => Math.max(m, s.itemVersion), 0);
        const rebasedRight = c.resolution === "rebased" && outranks && c.rebasedTo === maxVersion + 1;
        const discardedRight = c.resolution === "discarded" && !outranks;
        if (!rebasedRight && !discardedRight) {
          out.push({
            invariant: "conflicts-by-ladder",
            item: c.id,
            message: `${c.kind} ${c.id}: ${describe(c.proposed)} against current ${describe(current)} was ${c.resolution}${c.rebasedTo ? ` to v${c.rebasedTo}` : ""}`,
          });
        }
      }
    }
    return out;
  },

  /** The view rebuilt from the store alone equals the live one. */
  async "rebuild-equals-live"({ store, view }) {
    const rebuilt = await rebuildView(store);
    return viewDifferences(view, rebuilt).map((d) => ({
      invariant: "rebuild-equals-live" as const,
      item: d.split(":")[0] ?? d,
      message: `live != rebuilt: ${d}`,
    }));
  },

  /** A reported count is within the obfuscation's error bound of the site's true count. */
  "obfuscation-bounds"({ view, truths, queryIds }) {
    const out: Violation[] = [];
    for (const queryId of queryIds) {
      for (const r of view.results(queryId)) {
        if (r.status !== "completed" || r.count === undefined) continue;
        const truth = truths.get(r.id)?.[0];
        if (!truth) {
          out.push({
            invariant: "obfuscation-bounds",
            item: r.id,
            message: `result ${r.id}: completed with count ${r.count}, but no site counted it`,
          });
          continue;
        }
        const o = r.obfuscation ?? SHRINE_OBFUSCATION;
        const bound = o.noiseClamp + o.binSize / 2;
        const ok =
          r.count === -1
            ? truth.trueCount <= Math.max(o.lowLimit, o.noiseClamp) + bound
            : r.count > o.lowLimit && Math.abs(r.count - truth.trueCount) <= bound;
        if (!ok)
          out.push({
            invariant: "obfuscation-bounds",
            item: r.id,
            message: `result ${r.id}: reported ${r.count} for a true count of ${truth.trueCount} (bound ±${bound}, low limit ${o.lowLimit})`,
          });
      }
    }
    return out;
  },
};
