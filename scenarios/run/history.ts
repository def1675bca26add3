import type { Outcome } from "../../shared/apply/decide.ts";
import type { ItemKind, ItemState } from "../../shared/apply/precedence.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Applied, Proposal, Store } from "../../shared/ports/store.ts";
import type { Delivery, Route } from "../../shared/ports/transport.ts";
import { decodeMessage } from "../../shared/protocol/messages.ts";
import type { ResultState } from "../../shared/protocol/items.ts";
import type { PublishedRunQuery, PublishedUpdate, WireTap } from "../../shared/faults/mod.ts";
import { ForwardingStore } from "../../shared/store/forwarding.ts";
import type { Commit, Decision, Observation as SeenRow, Settlement } from "../check/evidence.ts";

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

/** Everything observed in one run: the record the checker and the reports read. */
export class History implements WireTap {
  readonly applied: AppliedEvent[] = [];
  readonly updates: PublishedUpdate[] = [];
  /** Run-queries the hub got confirmed: when each site's copy of a query left. */
  readonly runQueries: PublishedRunQuery[] = [];
  readonly observed: Observation[] = [];
  readonly faults: FaultMark[] = [];
  /** Each delivery the hub handled: when it settled, and how long from delivery to settlement, in ms. */
  readonly hubSettles: { at: number; ms: number }[] = [];
  /** When each message bound for the hub was confirmed published, for the queue depth over time. */
  readonly hubInbound: number[] = [];
  readonly faultActions = new Map<string, number>();
  /** The messageIds of messages a fault forged in a node's name. */
  readonly forgeries: string[] = [];
  /** Each store step that resolved, with the messages whose outcomes it made durable. */
  readonly commits: Commit[] = [];
  /** Each ack, nack and dead letter the hub gave a delivery, in one order with the commits. */
  readonly settlements: Settlement[] = [];
  readonly startedAt: number;
  private seq = 0;

  constructor(private readonly clock: Clock) {
    this.startedAt = clock.now();
  }

  published(who: string, route: Route, body: Uint8Array, messageId: string): void {
    const result = resultUpdateOf(route, body);
    if (route.to === "hub" && who !== "hub") this.hubInbound.push(this.clock.now());
    if (result && who !== "hub") this.updates.push({ at: this.clock.now(), nodeId: who, messageId, result });
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

  committed(messageIds: string[]): void {
    this.commits.push({ seq: ++this.seq, at: this.clock.now(), messageIds });
  }

  settled(s: Omit<Settlement, "seq" | "at">): void {
    this.settlements.push({ seq: ++this.seq, at: this.clock.now(), ...s });
  }
}

function resultUpdateOf(route: Route, body: Uint8Array): ResultState | undefined {
  if (route.to !== "hub" || route.kind !== "result") return undefined;
  const decoded = decodeMessage(body);
  return decoded.ok && decoded.message.type === "result-update" ? decoded.message.result : undefined;
}

/** The hub's store with every decision written into the history as it is made. */
export class RecordingStore extends ForwardingStore {
  constructor(
    inner: Store,
    private readonly record: History,
    private readonly clock: Clock,
  ) {
    super(inner);
  }

  override async apply(proposals: readonly Proposal[]): Promise<Applied[]> {
    const applied = await this.inner.apply(proposals);
    const at = this.clock.now();
    this.record.committed(proposals.flatMap((p) => (p.messageId === undefined ? [] : [p.messageId])));
    applied.forEach((a, i) => {
      const p = proposals[i] as Proposal;
      this.record.applied.push({
        n: this.record.applied.length + 1,
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
}
