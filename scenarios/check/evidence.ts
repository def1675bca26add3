import type { ItemKind } from "./model/ladder.ts";
import type { InvariantName } from "./invariants.ts";
import type { Rule, RuleCounts } from "./rules.ts";

/**
 * What the checker reads: plain data the runner hands it, shaped here so that the checker needs
 * nothing of the hub's code to read it. A state is whatever JSON the hub stored; the checker looks
 * at its id, version and status and compares the rest whole.
 */

export interface ItemState {
  id: string;
  versionInfo: { itemVersion: number };
  status?: string;
  /** A result's query and node. */
  queryId?: string;
  nodeId?: string;
}

/** One proposal the hub's store decided, in the order it decided them. */
export interface Decision {
  /** 1, 2, ... in decision order. */
  n: number;
  /** On the run's clock. */
  at: number;
  kind: ItemKind;
  id: string;
  origin: "hub" | "node";
  outcome: string;
  proposed: ItemState;
  /** The version written, when something was. */
  storedVersion: number | undefined;
  /** The item's current state after it, as the store answered. */
  current: ItemState | undefined;
  messageId: string | undefined;
}

/** How the hub settled one delivery it consumed: acknowledged, given back, or dead-lettered. */
export interface Settlement {
  /** Position among every commit and settlement of the run. */
  seq: number;
  at: number;
  /** The envelope's messageId, when the body had one; for a body that does not decode, the delivery's own. */
  messageId: string | undefined;
  /** The envelope's type, when the body was a message. */
  type: string | undefined;
  how: "ack" | "nack" | "deadLetter";
  /** The reason the hub gave a dead letter. */
  reason?: string;
}

/** A delivery the hub's consumer was handed, before it settled it. */
export interface Receipt {
  /** Whether the broker flagged it as redelivered; absent from a record that does not say. */
  redelivered?: boolean;
  /** Position among every commit, receipt and settlement of the run. */
  seq: number;
  at: number;
  /** The envelope's messageId, when the body had one; for a body that does not decode, the delivery's own. */
  messageId: string | undefined;
  /** The envelope's type, when the body was a message. */
  type: string | undefined;
}

/**
 * A store step of the hub that failed: nothing of it was stored. The fault the run injected into it
 * (a store fault's failed step, the hub crashing before the step committed), as the run knows it;
 * absent when no fault of the run failed it, and then the store's own error.
 */
export interface FailedStep {
  /** Position among every commit, receipt and settlement of the run. */
  seq: number;
  at: number;
  /** The messages of the step's proposals, once per proposal. */
  messageIds: string[];
  fault?: "storeFault" | "hubCrash";
  error: string;
}

/** A hub stopped gracefully: the receipts and settlements after `since` and before `seq` are its own. */
export interface GracefulStop {
  /** Position when the stopped hub started (0: at the start of the run). */
  since: number;
  /** Position when its connection was about to close, its hub stopped. */
  seq: number;
  at: number;
}

/** A store step that resolved: from then on the outcomes of these messages are durable. */
export interface Commit {
  /** Position among every commit and settlement of the run. */
  seq: number;
  at: number;
  messageIds: string[];
  /** How many proposals the step held, the hub's own among them. */
  proposals: number;
}

/**
 * The hub's counters as its /metrics shows them (docs/protocol.md section 6), summed over every hub
 * that ran in the run.
 */
export interface HubCounters {
  /** qnet_messages_total, by type. */
  messages: Readonly<Record<string, number>>;
  /** qnet_redeliveries_total. */
  redeliveries: number;
  /** qnet_dead_letters_total, over every reason. */
  deadLetters: number;
  /** qnet_apply_outcomes_total, by outcome. */
  outcomes: Readonly<Record<string, number>>;
  /** qnet_apply_latency_seconds: how many observations, and the sum of them. */
  applyLatency: { count: number; sum: number };
}

/** A heartbeat a site published and the broker confirmed. */
export interface PublishedHeartbeat {
  at: number;
  nodeId: string;
  messageId: string;
}

/** What one hub replica running at the end knows of the sites' heartbeats, as GET /api/nodes shows it. */
export interface LivenessRead {
  replica: number;
  /** When it was read, on the run's clock. */
  at: number;
  /** From when every heartbeat a site publishes reaches this replica: its start, or the faults' end if later. */
  since: number;
  heartbeatMs: number;
  /** Each site's last heartbeat as the replica heard it, on the run's clock; null when it heard none. */
  sites: readonly { nodeId: string; lastHeartbeat: number | null }[];
}

/**
 * A page of the store's feed a hub's view read: the position it read after, the positions of the
 * states and conflict records the page held (each list in the page's order), and how far it read.
 */
export interface FeedRead {
  at: number;
  position: number;
  states: readonly number[];
  conflicts: readonly number[];
  through: number;
}

/** A view snapshot the hub's store took: as of which store position, and when it had it. */
export interface SnapshotSaved {
  at: number;
  position: number;
}

/** A view snapshot the hub asked its store to save, which the store failed to: when, and what it said. */
export interface SnapshotFailed extends SnapshotSaved {
  error: string;
}

/** Where a hub's view began when the hub started: the store position of the snapshot it started from, 0 for the whole record. */
export interface ViewStart {
  replica: number;
  /** When the hub had started, on the run's clock. */
  at: number;
  from: number;
}

/** A state as the store keeps it, from the store's history of a query. */
export interface StoredRecord {
  /** Store order. */
  seq: number;
  kind: ItemKind;
  id: string;
  itemVersion: number;
  state: ItemState;
  /** The outcome that stored it. */
  outcome: string;
  /** The message that carried it; null for the hub's own writes. */
  messageId: string | null;
  /** ISO-8601, on the store's clock. */
  storedAt: string;
}

/** A conflict record of the store's log. */
export interface ConflictEntry {
  seq: number;
  kind: ItemKind;
  id: string;
  itemVersion: number;
  proposed: ItemState;
  collidedWith: ItemState;
  resolution: string;
  rebasedTo: number | null;
  /** The message that carried the proposal; null for the hub's own. */
  messageId: string | null;
}

/** What a reader saw of one site's row, in an event of the hub's event stream or polling the query. */
export interface Observation {
  at: number;
  /** The hub replica it read, from 0; absent for a network of one hub. */
  replica?: number;
  source: "event" | "poll";
  /**
   * An event's id, the store position of the state it shows; absent from a poll, and from the rows
   * a reader read again when the stream told it to (a reset).
   */
  position?: number;
  queryId: string;
  nodeId: string;
  stage: number;
  itemVersion: number;
  status: string;
  /** The row's words, as the reader read them; absent from a reader that does not record them. */
  statusText?: string;
  countDisplay?: string | null;
}

/** A query as a reader's read of it (`GET /api/queries/<id>`) found it. */
export interface HeldQuery {
  id: string;
  status: string;
  researcherId: string;
}

/** One page a reader asked `GET /api/queries` for, and its answer. */
export interface ListedPage {
  filter: { status?: string; researcherId?: string };
  offset: number;
  limit: number;
  /** Each item of the page: its id and status, null for an item that is no query. */
  items: readonly ({ id: string; status: string } | null)[];
  total: number;
}

/**
 * What a reader listed at one poll (`GET /api/queries`), beside its reads of each query at the
 * same instant: of every query of the run it knew of and every one a page listed.
 */
export interface Listing {
  at: number;
  /** The hub replica it read, from 0; absent for a network of one hub. */
  replica?: number;
  /** The queries the reads found, whatever the pages say. */
  held: readonly HeldQuery[];
  pages: readonly ListedPage[];
  /** Ids of no query that a read found nonetheless (the API must answer 404). */
  strangersFound: readonly string[];
}

/** What a reader saw of a query in an event of the hub's event stream. */
export interface QuerySeen {
  at: number;
  /** The hub replica it read, from 0; absent for a network of one hub. */
  replica?: number;
  /** The event's id: the store position of the state it shows. */
  position: number;
  queryId: string;
  status: string;
  itemVersion: number;
}

/**
 * What a listener of a hub's view (StatusView.onChange, which the embedded cluster's terminal
 * follows) got: each item the view showed when it began listening, then each change announced,
 * as announced. One listener per run of a hub: a restarted hub is listened to afresh.
 */
export interface ViewChangeSeen {
  at: number;
  /** The hub replica, from 0; absent for a network of one hub. */
  replica?: number;
  /** Which run of that hub, from 0: a new one after each restart. */
  listener: number;
  /** Read when the listener began (the view as it stood), or announced since. */
  how: "shown" | "changed";
  kind: string;
  queryId: string | undefined;
  nodeId: string | undefined;
  state: ItemState | undefined;
}

/** A result-update a node published and the broker confirmed. */
export interface ConfirmedUpdate {
  at: number;
  nodeId: string;
  messageId: string;
  result: ItemState & { count?: number };
}

/** A breakdown's cells by cell, for each breakdown by name: as a result state carries them, or as a site counted them. */
export type BreakdownCells = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** One site's row of a query, as GET /api/queries/<id> shows it. */
export interface RowRead {
  nodeId: string;
  status: string;
  stage: number;
  itemVersion: number;
  count: number | null;
  /** The row's words; absent from a picture that does not carry them. */
  statusText?: string;
  countDisplay?: string | null;
  /** The breakdowns the row shows, null (or absent) when it shows none. */
  breakdowns?: readonly RowBreakdown[] | null;
}

/** One breakdown a row shows, each cell with its words. */
export interface RowBreakdown {
  kind: string;
  label?: string;
  shrineType?: string;
  cells: readonly { cell: string; count: number; label?: string; countDisplay?: string }[];
}

/** One breakdown summed over the network, as GET /api/queries/<id> shows it. */
export interface BreakdownSumRead {
  kind: string;
  sites: number;
  missing: number;
  cells: readonly { cell: string; totalCount: number; totalDisplay: string }[];
}

/** A query as a view shows it: what a reader reads, and the states behind it. */
export interface QueryPicture {
  id: string;
  /** As GET /api/queries/<id> shows it. */
  read: {
    status: string;
    nodes: readonly RowRead[];
    summary: { nodes: number; totalCount: number; totalDisplay?: string; breakdowns?: readonly BreakdownSumRead[] };
  };
  /** The query state the view shows. */
  query: ItemState & { nodeIds?: readonly string[]; definition?: { breakdowns?: readonly string[] } };
  /** The result state the view shows for each site. */
  results: readonly (ItemState & {
    count?: number;
    progress?: number;
    statusMessage?: string;
    obfuscation?: Obfuscation;
    breakdowns?: BreakdownCells;
  })[];
}

export interface Obfuscation {
  binSize: number;
  noiseClamp: number;
  lowLimit: number;
}

/** What one agent running as a site counted for a result. */
export interface Counted {
  trueCount: number;
  /** The obfuscated count it reports, or null when it fails the query. */
  reportedCount: number | null;
  /** The true cells of the breakdowns the query asked for; absent when it asked for none. */
  trueBreakdowns?: BreakdownCells;
  /** The obfuscated cells it reports, null when it fails the query; absent when the query asked for none. */
  reportedBreakdowns?: BreakdownCells | null;
}

/** Everything a run leaves for the checker, as plain data. */
export interface RunEvidence {
  scenario: { name: string; invariants: readonly InvariantName[]; exercises: readonly Rule[] };
  /** The result timeout as the hub counted it, on the run's clock. */
  resultTimeoutMs: number;
  /** When the run started, on its clock. */
  startedAt: number;
  /** The run's clock: virtual on the memory broker, where a bound in time is exact; the wall clock on a real broker. */
  clock: "virtual" | "wall";
  /**
   * Windows of the run's clock in which the hub's singleton duties may run late: a hub or replica
   * down or restarting, store steps failing or stalling, each until the duties can run again.
   */
  dutiesHeldBack: readonly { from: number; to: number }[];
  queryIds: readonly string[];
  decisions: readonly Decision[];
  /**
   * The runner put the decisions in store order (replicas in processes of their own reported them,
   * in no order the store made them): absent when they come in the order the store decided them.
   */
  decisionsPutInStoreOrder?: true;
  commits: readonly Commit[];
  settlements: readonly Settlement[];
  /** Each delivery the hub's consumer was handed, in one order with the commits and settlements. */
  receipts: readonly Receipt[];
  /** Each store step that failed, in one order with the commits and settlements; absent from a record that does not say. */
  failedSteps?: readonly FailedStep[];
  /** Each graceful stop of the hub (one hub only), in one order with the receipts and settlements. */
  gracefulStops?: readonly GracefulStop[];
  /** The messageIds of messages published in a node's name that the node did not write (a fault's forgeries). */
  forged: readonly string[];
  updates: readonly ConfirmedUpdate[];
  observations: readonly Observation[];
  /** What readers listed, poll by poll; none from a replica in a process of its own. */
  listings: readonly Listing[];
  /** What readers saw of the queries in the event stream. */
  queryEvents: readonly QuerySeen[];
  /** What the listeners of the hub's view got, in the order they got it. */
  changes: readonly ViewChangeSeen[];
  /** The store's history of each query of the run: every stored state and the conflict log. */
  stored: readonly { states: readonly StoredRecord[]; conflicts: readonly ConflictEntry[] }[];
  /** The heartbeats the sites published and the broker confirmed; absent from a record that does not say. */
  heartbeats?: readonly PublishedHeartbeat[];
  /** What each hub replica running at the end knows of the sites' heartbeats; absent when the run cannot read it (a replica in a process of its own). */
  liveness?: readonly LivenessRead[];
  /**
   * The view snapshots the store took and where each hub's view began; absent when a hub ran where
   * the run cannot see it start (a replica in a process of its own).
   */
  snapshots?: { saved: readonly SnapshotSaved[]; failed: readonly SnapshotFailed[]; starts: readonly ViewStart[] };
  /** The pages of the store's feed the views of the hubs in the run's process read; absent from a record that does not say. */
  feedReads?: readonly FeedRead[];
  /** The hubs' counters at the end; absent when a hub ran where the run cannot read them (a replica in a process of its own). */
  counters?: HubCounters;
  /** How many states and conflict records the store holds in all, by its own count; absent from a live hub's evidence, which `stored-as-decided` does not judge. */
  storeCounts?: { states: number; conflicts: number };
  /** Each item of the run's queries, as the store answers for that item alone (in store order). */
  items: readonly { kind: ItemKind; id: string; states: readonly StoredRecord[] }[];
  /** The store's history of a query the run never made: it should hold nothing. */
  unknownQuery: { states: readonly StoredRecord[]; conflicts: readonly ConflictEntry[] };
  /** The queries of the run as the hub's view shows them at the end; a query missing from the view is missing here. */
  live: readonly QueryPicture[];
  /** The same, of a view rebuilt from the store alone. */
  rebuilt: readonly QueryPicture[];
  /** The same, of every hub replica running at the end, by replica number (one entry for a network of one hub). */
  replicas: readonly { replica: number; pictures: readonly QueryPicture[] }[];
  /** What the sites counted, by result id. */
  truths: ReadonlyMap<string, readonly Counted[]>;
  /** The obfuscation a completed count without its own settings was made with. */
  defaultObfuscation: Obfuscation;
  /** The least obfuscation any site may use, whatever its state says it used: the network's privacy policy. */
  minimumObfuscation: Obfuscation;
  /** How often each rule fired. */
  rules: RuleCounts;
  /**
   * Timers still scheduled on the run's virtual clock once every participant of the run stopped;
   * absent on the wall clock, where the runner cannot count them.
   */
  leftScheduled?: number;
  /**
   * The hub replicas running at the end whose GET /readyz answered not ready, by replica number;
   * absent where the run cannot ask (a replica in a process of its own).
   */
  notReady?: readonly number[];
  /**
   * When the scenario's limit passed before the run was done: each query some running replica's
   * view did not show settled then, with those replicas. Absent when the run ended done.
   */
  unsettledAtLimit?: readonly { queryId: string; replicas: readonly number[] }[];
}
