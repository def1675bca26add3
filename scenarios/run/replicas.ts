import type { EmbeddedNetwork } from "../../cluster/embedded/network.ts";
import { resetFrame } from "../../hub/events/eventLog.ts";
import type { Hub } from "../../hub/hub.ts";
import type { ItemState } from "../../shared/apply/precedence.ts";
import type { ResultState } from "../../shared/protocol/items.ts";
import type { QueryDefinition } from "../../shared/protocol/definition.ts";
import type { QueryPicture } from "../check/evidence.ts";
import { pictures } from "./evidence.ts";

/** One site's row as a reader reads it. */
export interface RowRead {
  nodeId: string;
  stage: number;
  itemVersion: number;
  status: string;
  count: number | null;
  progress: number | null;
}

/** The filters of GET /api/queries. */
export interface QueryFilter {
  status?: string;
  researcherId?: string;
}

/** A change a view announced to its listeners, as they get it. */
export interface ChangeRead {
  kind: string;
  queryId: string | undefined;
  nodeId?: string | undefined;
  state: ItemState | undefined;
}

/** A replica's view as a reader sees it: a query now, and the frames of its event stream (/api/events). */
export interface ReplicaView {
  /** GET /api/queries/<id>; undefined where the API answers 404. */
  read(queryId: string): { status: string; researcherId?: string; nodes: readonly RowRead[] } | undefined;
  /** A page of GET /api/queries; absent for a replica in a process of its own. */
  list?(
    offset: number,
    limit: number,
    filter: QueryFilter,
  ): { items: readonly ({ id: string; status: string } | undefined)[]; total: number };
  /**
   * The frames of the events after the event id `after`, as a client that resumes with that
   * Last-Event-ID gets them (or a reset, when they are gone), then each frame from now on, until
   * the returned function is called.
   */
  follow(after: string, onFrame: (frame: string) => void): () => void;
  /**
   * The view's own listeners (StatusView.onChange, which the embedded cluster's terminal follows):
   * answers every item it shows now, then calls `onChange` with each change it announces, for as
   * long as the view lives. Absent for a view in another process.
   */
  listen?(onChange: (change: ChangeRead) => void): ChangeRead[];
}

/**
 * One hub replica of a run, wherever it runs: in the runner's process, or in a process of its own.
 * The runner sends queries to it, its readers read its view, the fault table crashes and restarts
 * it, and at the end it gives its final view; what it decides and settles it reports on its own
 * (ReplicaReport), into the one history.
 */
export interface RunReplica {
  readonly replica: number;
  running(): boolean;
  /** Its view while it runs; the same object for one incarnation, so a reader knows when it restarted. */
  view(): ReplicaView | undefined;
  /** The view of its last incarnation, running or not. */
  lastView(): ReplicaView | undefined;
  submit(definition: QueryDefinition): Promise<string>;
  /** After reading the store to its end, the queries as its view shows them; undefined while it is down. */
  final(queryIds: readonly string[]): Promise<QueryPicture[] | undefined>;
  /** Stops its hub consuming and waits for what it has in flight; its view stays to be read. */
  quiesce(): Promise<void>;
  crash(): Promise<void>;
  /** Starts it again over the store; resolves once it runs. */
  start(): Promise<unknown>;
}

/** A hub's view as a reader sees it, one per hub, so that a restarted replica is a new view. */
const views = new WeakMap<Hub, ReplicaView>();
function viewOf(hub: Hub | undefined): ReplicaView | undefined {
  if (!hub) return undefined;
  let v = views.get(hub);
  if (!v) {
    v = {
      read: (id) => hub.view.get(id),
      list: (offset, limit, filter) => hub.view.list(offset, limit, filter),
      follow: (after, onFrame) => {
        const backlog = hub.events.since(after);
        if (backlog.kind === "reset") onFrame(resetFrame(hub.events.lastId(), backlog.reason));
        else for (const event of backlog.events) onFrame(event.frame);
        return hub.events.subscribe((event) => onFrame(event.frame));
      },
      listen: (onChange) => {
        hub.view.onChange(onChange);
        return Array.from(hub.view.shown(), ({ kind, state }): ChangeRead => {
          const r = state as Partial<ResultState>;
          return { kind, queryId: kind === "query" ? state.id : r.queryId, nodeId: r.nodeId, state };
        });
      },
    };
    views.set(hub, v);
  }
  return v;
}

/** A replica of the embedded network, in the runner's process. */
export class InProcessReplica implements RunReplica {
  constructor(
    private readonly network: EmbeddedNetwork,
    readonly replica: number,
  ) {}

  running(): boolean {
    return this.network.hubs[this.replica] !== undefined;
  }

  view(): ReplicaView | undefined {
    return viewOf(this.network.hubs[this.replica]);
  }

  lastView(): ReplicaView | undefined {
    return viewOf(this.network.lastHub(this.replica));
  }

  submit(definition: QueryDefinition): Promise<string> {
    const hub = this.network.lastHub(this.replica);
    if (!hub) throw new Error(`hub replica ${this.replica} never started`);
    return hub.desk.submit({ definition, researcherId: "scenario" });
  }

  async final(queryIds: readonly string[]): Promise<QueryPicture[] | undefined> {
    const hub = this.network.hubs[this.replica];
    if (!hub) return undefined;
    await hub.feed.catchUp();
    return pictures(hub.view, queryIds);
  }

  async quiesce(): Promise<void> {
    await this.network.hubs[this.replica]?.stop();
  }

  crash(): Promise<void> {
    return this.network.crashReplica(this.replica);
  }

  start(): Promise<unknown> {
    return this.network.startReplica(this.replica);
  }
}
