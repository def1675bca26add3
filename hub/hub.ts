import type { FastifyInstance } from "fastify";
import type { Logger } from "../shared/log.ts";
import { LeaseBoard } from "../shared/lease/inProcess.ts";
import type { Clock } from "../shared/ports/clock.ts";
import type { Lease } from "../shared/ports/lease.ts";
import type { Random } from "../shared/ports/random.ts";
import type { HubPolicy } from "../shared/apply/policy.ts";
import type { Store } from "../shared/ports/store.ts";
import type { Transport } from "../shared/ports/transport.ts";
import type { EventLog } from "./events/eventLog.ts";
import { Duties } from "./duties.ts";
import { FaultDesk } from "./faults.ts";
import { buildApi } from "./http/app.ts";
import { Ingest } from "./ingest/ingest.ts";
import { Liveness } from "./liveness.ts";
import { HubMetrics } from "./metrics.ts";
import { OverduePoller } from "./overdue.ts";
import { QueryDesk } from "./queries.ts";
import { Recorder } from "./record.ts";
import { DuplicateLog } from "./duplicates.ts";
import { openView, type ViewFeed } from "./events/viewFeed.ts";
import type { StatusView } from "./view/statusView.ts";

export interface HubOptions {
  transport: Transport;
  store: Store;
  clock: Clock;
  random: Random;
  log: Logger;
  nodeIds: readonly string[];
  resultTimeoutMs: number;
  heartbeatMs: number;
  prefetch: number;
  tokens?: readonly string[];
  /** How the store's planner applies proposals, as the page and /healthz announce it; the planner itself is the store's. */
  policy?: HubPolicy;
  /** The lease on the singleton duties among replicas; a lease of its own, always held, when absent. */
  lease?: Lease;
  /** How often the view reads the store on with no wake-up (ms); 1000 by default, 0 never. */
  feedPollMs?: number;
  /** Store positions between view snapshots, written by the replica on duty; 50,000 by default. */
  snapshotEvery?: number;
  /** States and conflict records the view reads from the store at a time; 2,000 by default. */
  feedPageSize?: number;
}

export interface Hub {
  view: StatusView;
  metrics: HubMetrics;
  desk: QueryDesk;
  liveness: Liveness;
  overdue: OverduePoller;
  duties: Duties;
  api: FastifyInstance;
  /** The view's changes as /api/events streams them. */
  events: EventLog;
  /** The live faults sent to the sites, and their windows. */
  faults: FaultDesk;
  /** What keeps the view up with the store, whichever hub wrote. */
  feed: ViewFeed;
  /** The store position the view started from: the newest view snapshot's, or 0 when the whole record was replayed. */
  startedFrom: number;
  /** Stop consuming, let in-flight work settle and ack; the caller closes transport and store. Once, however often called. */
  stop(): Promise<void>;
}

/**
 * Composes the hub over its ports: the view rebuilt from the store, the topology declared, then
 * consuming and, while this replica holds the duties' lease, the singleton duties: sending again
 * what a previous run had not sent, sweeping for overdue results and for unsettled queries.
 */
export async function startHub(options: HubOptions): Promise<Hub> {
  const { transport, store, clock, random, log, nodeIds } = options;
  await store.open();
  // The view is the newest snapshot, then the store read on in store order; the event log holds
  // its changes under their positions.
  const { view, events, feed, snapshotPosition } = await openView({
    store,
    clock,
    log,
    pollMs: options.feedPollMs,
    snapshotEvery: options.snapshotEvery,
    pageSize: options.feedPageSize,
  });
  const metrics = new HubMetrics();
  const duplicates = new DuplicateLog();
  const recorder = new Recorder(store, view, metrics, clock, duplicates);
  const liveness = new Liveness(nodeIds, clock, options.heartbeatMs);
  const desk = new QueryDesk({ recorder, view, transport, clock, random, log, nodeIds });
  await transport.declare({ role: "hub", nodeIds });
  const ingest = new Ingest({ transport, recorder, desk, liveness, metrics, clock, log, prefetch: options.prefetch });
  await ingest.start();
  const lease = options.lease ?? new LeaseBoard().lease();
  const overdue = new OverduePoller({
    view,
    recorder,
    desk,
    clock,
    log,
    timeoutMs: options.resultTimeoutMs,
    onDuty: () => lease.held(),
    readOn: () => feed.catchUp(),
  });
  const redispatch = { name: "redispatch", run: async () => desk.resume(view.queryIds()) };
  const settle = { name: "settle", run: () => desk.settle(view.queryIds()) };
  // A query left `created` this long was not sent by the replica that stored it (it died, or its
  // sends failed for good); younger ones are still being sent there.
  const staleAfterMs = 3 * options.heartbeatMs;
  const stale = { name: "redispatch-stale", run: async () => desk.resume(view.queryIds(), clock.now() - staleAfterMs) };
  // One replica writes the snapshots every replica starts from.
  const snapshot = { name: "snapshot", run: async () => void (await feed.snapshotIfDue()) };
  const duties = new Duties({
    lease,
    clock,
    log,
    intervalMs: options.heartbeatMs,
    onTaken: [redispatch, settle],
    sweeps: [settle, stale, snapshot],
  });
  overdue.start();
  await duties.take();
  duties.start();
  feed.start();
  const faults = new FaultDesk({ transport, clock, random: random.fork("faults"), log });
  let stopping: Promise<void> | undefined;
  const api = buildApi({
    view,
    desk,
    liveness,
    metrics,
    store,
    knownNodes: nodeIds,
    tokens: options.tokens,
    log,
    clock,
    ready: async () => transport.connected() && (await store.ready()),
    eventLog: events,
    faults,
    policy: options.policy ?? "versioned",
    duplicates,
  });
  return {
    view,
    metrics,
    desk,
    liveness,
    overdue,
    duties,
    api,
    events,
    faults,
    feed,
    startedFrom: snapshotPosition,
    // Once: a second call (a process stopping what it had already quieted) waits for the first.
    stop() {
      stopping ??= (async () => {
        feed.stop();
        faults.stop();
        overdue.stop();
        await duties.stop();
        desk.stop();
        await ingest.stop();
        await api.close();
      })();
      return stopping;
    },
  };
}
