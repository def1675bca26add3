import type { Hub } from "../../hub/hub.ts";
import { rebuildView } from "../../hub/view/rebuild.ts";
import type { StatusView } from "../../hub/view/statusView.ts";
import type { Store } from "../../shared/ports/store.ts";
import { SHRINE_OBFUSCATION } from "../../shared/protocol/items.ts";
import type { LivenessRead, QueryPicture, RunEvidence, ViewStart } from "../check/evidence.ts";
import type { RuleCounts } from "../check/rules.ts";
import { VirtualClock } from "../../shared/time/virtualClock.ts";
import type { RunContext } from "./context.ts";
import { hubCounters } from "./counters.ts";

/** A query id no run makes (a version-4 UUID of zeros): the store holds nothing for it. */
const UNKNOWN_QUERY = "00000000-0000-4000-8000-000000000000";

/** The queries of the run as a view shows them: what a reader reads, and the states behind it. */
export function pictures(view: StatusView, queryIds: readonly string[]): QueryPicture[] {
  return queryIds.flatMap((id) => {
    const read = view.get(id);
    const query = view.query(id);
    return read && query ? [{ id, read, query, results: view.results(id) }] : [];
  });
}

/**
 * What a finished run leaves for the checker, as plain data: the history the run recorded, the
 * store's history of each query, the hub's view and one rebuilt from the store alone. The
 * checker reads nothing else, so it needs nothing of the hub's code. The history's lists are
 * taken as they stand now: what the participants do as they stop is not part of the run.
 */
export async function gatherEvidence(
  run: RunContext,
  parts: {
    store: Store;
    view: StatusView;
    /** The queries as every hub replica running at the end shows them, by replica number. */
    replicas: readonly { replica: number; pictures: readonly QueryPicture[] }[];
    queryIds: readonly string[];
    rules: RuleCounts;
    /** Every hub that ran, when the run can read their counters (none runs in a process of its own). */
    hubs?: readonly Hub[];
    /** What each replica running at the end knows of the sites' heartbeats, when the run can read it. */
    liveness?: readonly LivenessRead[];
    /** Where each hub's view began, when the run saw every hub start. */
    viewStarts?: readonly ViewStart[];
  },
): Promise<RunEvidence> {
  const { scenario, history } = run;
  const { store, view, queryIds, rules } = parts;
  const stored = await Promise.all(queryIds.map((id) => store.history(id)));
  const items = [...new Map(stored.flatMap((h) => h.states.map((s) => [s.id, s.kind] as const))).entries()];
  const itemStates = await Promise.all(items.map(async ([id, kind]) => ({ kind, id, states: await store.states(kind, id) })));
  const unknownQuery = await store.history(UNKNOWN_QUERY);
  const storeCounts = await store.counts();
  const rebuilt = pictures(await rebuildView(store), queryIds);
  // Last, with nothing awaited after: the counters and the lists they are tallied against stand at one moment.
  const counters = parts.hubs && (await hubCounters(parts.hubs));
  return {
    scenario,
    resultTimeoutMs: run.time(scenario.resultTimeoutMs),
    startedAt: history.startedAt,
    clock: run.clock instanceof VirtualClock ? "virtual" : "wall",
    dutiesHeldBack: dutiesHeldBack(run),
    queryIds,
    decisions: [...history.applied],
    commits: [...history.commits],
    settlements: [...history.settlements],
    receipts: [...history.receipts],
    failedSteps: [...history.failedSteps],
    gracefulStops: [...history.gracefulStops],
    forged: [...history.forgeries],
    updates: [...history.updates],
    observations: [...history.observed],
    listings: [...history.listings],
    queryEvents: [...history.queryEvents],
    changes: [...history.viewChanges],
    stored,
    ...(counters && { counters }),
    ...(parts.liveness && { liveness: parts.liveness }),
    ...(parts.viewStarts && {
      snapshots: { saved: [...history.snapshots], failed: [...history.snapshotsFailed], starts: parts.viewStarts },
    }),
    heartbeats: [...history.heartbeats],
    feedReads: [...history.feedReads],
    storeCounts,
    items: itemStates,
    unknownQuery,
    live: pictures(view, queryIds),
    rebuilt,
    replicas: parts.replicas,
    truths: run.truths,
    defaultObfuscation: SHRINE_OBFUSCATION,
    minimumObfuscation: SHRINE_OBFUSCATION,
    rules,
  };
}

/**
 * The windows in which the hub's duties may run late, on the run's clock: a hub crash or a
 * replica's (the duties move to a replica that takes the lease at its next heartbeat), store steps
 * of ingest that fail, stall or are heard late (the hub settles a burst's queries only once it
 * hears its step, and a burst given back comes again); each until a heartbeat and a stall after it
 * heals.
 */
function dutiesHeldBack(run: RunContext): { from: number; to: number }[] {
  const { scenario, time } = run;
  const heartbeat = time(scenario.heartbeatMs);
  return scenario.faults.flatMap((f) => {
    // Lost or unheard wake-ups hold no duty back: a hub's own writes reach its view when stored, and a sweep reads the store first.
    const wakeUps = f.kind === "storeFault" && (f.effect === "mute" || f.effect === "deaf");
    if ((f.kind !== "hubCrash" && f.kind !== "replicaCrash" && f.kind !== "storeFault") || wakeUps) return [];
    const stall = f.kind === "storeFault" && (f.effect === "stall" || f.effect === "late") ? time(f.stallMs) : 0;
    return [{ from: run.start + time(f.at), to: run.start + time(f.at + f.for) + heartbeat + stall }];
  });
}
