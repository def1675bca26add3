import type { Outcome } from "../../shared/apply/decide.ts";
import type { ItemKind, ItemState } from "../../shared/apply/precedence.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Applied, FeedPage, Proposal, Store, StoredSnapshot } from "../../shared/ports/store.ts";
import type { Delivery, Route } from "../../shared/ports/transport.ts";
import { decodeMessage } from "../../shared/protocol/messages.ts";
import type { ResultState } from "../../shared/protocol/items.ts";
import {
  HubCrashedError,
  type PublishedRunQuery,
  type PublishedUpdate,
  StoreStepFailedError,
  type WireTap,
} from "../../shared/faults/mod.ts";
import { ForwardingStore } from "../../shared/store/forwarding.ts";
import type {
  GracefulStop,
  Commit,
  Decision,
  FailedStep,
  FeedRead,
  Listing,
  PublishedHeartbeat,
  Receipt,
  Observation as SeenRow,
  QuerySeen,
  Settlement,
  SnapshotFailed,
  SnapshotSaved,
  ViewChangeSeen,
} from "../check/evidence.ts";

/** One proposal the hub's store decided, in the order it decided them: what the checker reads, in the hub's own types. */
export interface AppliedEvent extends Decision {
  kind: ItemKind;
  origin: Proposal["origin"];
  outcome: Outcome;
  proposed: ItemState;
  current: ItemState | undefined;
}

/** What a reader saw of one site's row, with the count and progress the row showed. */
export interface Observation extends SeenRow {
  count: number | null;
  progress: number | null;
}

/** A fault window as it really happened in the run. */
export interface FaultMark {
  label: string;
  nodeId: string | undefined;
  from: number;
  to: number;
}

/** A decision as a replica reports it; the history numbers it. */
export type ReportedDecision = Omit<AppliedEvent, "n">;

/**
 * What a hub replica reports of its work as it does it, in its own order: each decision of its
 * store, each store step that resolved, each settlement it gave. A replica in the runner's process
 * reports straight into the history; one in a process of its own reports the same over IPC, and
 * the runner hands it on here. `at` is on the run's clock (the wall clock when processes share it).
 */
export interface ReplicaReport {
  decided(d: ReportedDecision): void;
  committed(step: Omit<Commit, "seq" | "at">, at?: number): void;
  settled(s: Omit<Settlement, "seq" | "at">, at?: number): void;
  /** A store step failed (reported in the runner's process only, where the store faults are). */
  failed?(step: Omit<FailedStep, "seq" | "at">, at?: number): void;
  /** A view snapshot was stored (reported in the runner's process only). */
  snapshotSaved?(s: SnapshotSaved): void;
  /** The store failed to save a view snapshot (reported in the runner's process only). */
  snapshotFailed?(s: SnapshotFailed): void;
  /** A hub's view read a page of the store's feed (reported in the runner's process only). */
  feedRead?(r: FeedRead): void;
}

/** Everything observed in one run: the record the checker and the reports read. */
export class History implements WireTap, ReplicaReport {
  readonly applied: AppliedEvent[] = [];
  readonly updates: PublishedUpdate[] = [];
  /** Run-queries the hub got confirmed: when each site's copy of a query left. */
  readonly runQueries: PublishedRunQuery[] = [];
  readonly observed: Observation[] = [];
  /** What readers listed (GET /api/queries), poll by poll. */
  readonly listings: Listing[] = [];
  /** What readers saw of the queries in the event stream. */
  readonly queryEvents: QuerySeen[] = [];
  /** What the listeners of the hub's view got. */
  readonly viewChanges: ViewChangeSeen[] = [];
  readonly faults: FaultMark[] = [];
  /** Each delivery the hub handled: when it settled, and how long from delivery to settlement, in ms. */
  readonly hubSettles: { at: number; ms: number }[] = [];
  /** When each message bound for the hub was confirmed published, for the queue depth over time. */
  readonly hubInbound: number[] = [];
  readonly faultActions = new Map<string, number>();
  /** The messageIds of messages a fault forged in a node's name. */
  readonly forgeries: string[] = [];
  /** The heartbeats the sites published and the broker confirmed. */
  readonly heartbeats: PublishedHeartbeat[] = [];
  /** Each store step that resolved, with the messages whose outcomes it made durable. */
  readonly commits: Commit[] = [];
  /** Each store step that failed, in one order with the commits and settlements. */
  readonly failedSteps: FailedStep[] = [];
  /** Each ack, nack and dead letter the hub gave a delivery, in one order with the commits. */
  readonly settlements: Settlement[] = [];
  /** Each delivery the hub's consumer was handed, in one order with the commits and settlements. */
  readonly receipts: Receipt[] = [];
  /** Decisions recovered from the store, which a replica process killed with SIGKILL made but never reported. */
  recoveredDecisions = 0;
  readonly startedAt: number;
  /** Each graceful stop of the hub, in one order with the receipts and settlements. */
  readonly gracefulStops: GracefulStop[] = [];
  /** Each view snapshot the hub's store took, when it had it. */
  readonly snapshots: SnapshotSaved[] = [];
  /** Each view snapshot the hub's store failed to save. */
  readonly snapshotsFailed: SnapshotFailed[] = [];
  readonly feedReads: FeedRead[] = [];
  private seq = 0;
  private hubSince = 0;

  constructor(private readonly clock: Clock) {
    this.startedAt = clock.now();
  }

  published(who: string, route: Route, body: Uint8Array, messageId: string): void {
    const result = resultUpdateOf(route, body);
    if (route.to === "hub" && who !== "hub") this.hubInbound.push(this.clock.now());
    if (result && who !== "hub") this.updates.push({ at: this.clock.now(), nodeId: who, messageId, result });
    if (route.to === "hub" && route.kind === "heartbeat" && who !== "hub")
      this.heartbeats.push({ at: this.clock.now(), nodeId: route.nodeId, messageId });
    if (who === "hub" && route.to === "node") {
      const decoded = decodeMessage(body);
      if (decoded.ok && decoded.message.type === "run-query")
        this.runQueries.push({ at: this.clock.now(), queryId: decoded.message.query.id, nodeId: route.nodeId, messageId, body });
    }
  }

  handled(who: string, _delivery: Delivery, receivedAt: number, settledAt: number): void {
    if (who === "hub") this.hubSettles.push({ at: settledAt, ms: settledAt - receivedAt });
  }

  faulted(who: string, what: string): void {
    const key = `${who}: ${what}`;
    this.faultActions.set(key, (this.faultActions.get(key) ?? 0) + 1);
  }

  forged(messageId: string): void {
    this.forgeries.push(messageId);
  }

  observe(o: Omit<Observation, "at">): void {
    this.observed.push({ at: this.clock.now(), ...o });
  }

  listed(l: Omit<Listing, "at">): void {
    this.listings.push({ at: this.clock.now(), ...l });
  }

  observeQuery(o: Omit<QuerySeen, "at">): void {
    this.queryEvents.push({ at: this.clock.now(), ...o });
  }

  viewChanged(c: Omit<ViewChangeSeen, "at">): void {
    this.viewChanges.push({ at: this.clock.now(), ...c });
  }

  decided(d: ReportedDecision): void {
    this.applied.push({ n: this.applied.length + 1, ...d });
  }

  /** Decisions a killed replica process never reported (storeOrder.ts), added and counted. */
  recovered(ds: readonly ReportedDecision[]): void {
    this.recoveredDecisions += ds.length;
    for (const d of ds) this.applied.push({ n: 0, ...d });
  }

  /** The decisions put in another order (storeOrder.ts), numbered again. */
  reorder(compare: (a: AppliedEvent, b: AppliedEvent) => number): void {
    this.applied.sort(compare);
    this.applied.forEach((a, i) => {
      a.n = i + 1;
    });
  }

  committed(step: Omit<Commit, "seq" | "at">, at = this.clock.now()): void {
    this.commits.push({ seq: ++this.seq, at, ...step });
  }

  failed(step: Omit<FailedStep, "seq" | "at">, at = this.clock.now()): void {
    this.failedSteps.push({ seq: ++this.seq, at, ...step });
  }

  snapshotSaved(s: SnapshotSaved): void {
    this.snapshots.push(s);
  }

  snapshotFailed(s: SnapshotFailed): void {
    this.snapshotsFailed.push(s);
  }

  feedRead(r: FeedRead): void {
    this.feedReads.push(r);
  }

  settled(s: Omit<Settlement, "seq" | "at">, at = this.clock.now()): void {
    this.settlements.push({ seq: ++this.seq, at, ...s });
  }

  /** How many of the updates the sites published no hub has acked or dead-lettered yet. */
  unsettledUpdates(): number {
    const settled = new Set(this.settlements.filter((s) => s.how !== "nack").map((s) => s.messageId));
    return this.updates.filter((u) => !settled.has(u.messageId)).length;
  }

  handed(r: Omit<Receipt, "seq" | "at">): void {
    this.receipts.push({ seq: ++this.seq, at: this.clock.now(), ...r });
  }

  /** A hub (again) handed deliveries from here on. */
  hubStarted(): void {
    this.hubSince = this.seq;
  }

  /** The hub stopped gracefully; its connection closes next. */
  hubStopped(): void {
    this.gracefulStops.push({ since: this.hubSince, seq: ++this.seq, at: this.clock.now() });
  }
}

function resultUpdateOf(route: Route, body: Uint8Array): ResultState | undefined {
  if (route.to !== "hub" || route.kind !== "result") return undefined;
  const decoded = decodeMessage(body);
  return decoded.ok && decoded.message.type === "result-update" ? decoded.message.result : undefined;
}

/** The fault of the run that failed a store step, as the error it threw says; none for any other error. */
function faultOf(err: unknown): Pick<FailedStep, "fault"> {
  if (err instanceof StoreStepFailedError) return { fault: "storeFault" };
  if (err instanceof HubCrashedError) return { fault: "hubCrash" };
  return {};
}

/** The hub's store with every decision, and every step that failed, reported as it is made. */
export class RecordingStore extends ForwardingStore {
  constructor(
    inner: Store,
    private readonly record: ReplicaReport,
    private readonly clock: Clock,
  ) {
    super(inner);
  }

  override async apply(proposals: readonly Proposal[]): Promise<Applied[]> {
    const messageIds = proposals.flatMap((p) => (p.messageId === undefined ? [] : [p.messageId]));
    let applied: Applied[];
    try {
      applied = await super.apply(proposals);
    } catch (err) {
      this.record.failed?.({ messageIds, ...faultOf(err), error: String(err) }, this.clock.now());
      throw err;
    }
    const at = this.clock.now();
    this.record.committed({ messageIds, proposals: proposals.length }, at);
    applied.forEach((a, i) => {
      const p = proposals[i] as Proposal;
      this.record.decided({
        at,
        kind: p.kind,
        id: p.state.id,
        origin: p.origin,
        outcome: a.outcome,
        proposed: p.state,
        storedVersion: a.stored?.itemVersion,
        current: a.current,
        messageId: p.messageId,
      });
    });
    return applied;
  }

  override readAfter(position: number, limit: number): Promise<FeedPage> {
    const read = super.readAfter(position, limit);
    // Recorded beside the feed's own wait, as a snapshot's save is.
    read.then(
      (page) =>
        this.record.feedRead?.({
          at: this.clock.now(),
          position,
          states: page.states.map((s) => s.seq),
          conflicts: page.conflicts.map((c) => c.seq),
          through: page.through,
        }),
      () => {},
    );
    return read;
  }

  override saveSnapshot(snapshot: StoredSnapshot): Promise<void> {
    const saved = super.saveSnapshot(snapshot);
    // Recorded beside the hub's own wait, not in its way: the hub's steps are not shifted by a turn.
    saved.then(
      () => this.record.snapshotSaved?.({ at: this.clock.now(), position: snapshot.position }),
      (err: unknown) =>
        this.record.snapshotFailed?.({
          at: this.clock.now(),
          position: snapshot.position,
          error: err instanceof Error ? err.message : String(err),
        }),
    );
    return saved;
  }
}
