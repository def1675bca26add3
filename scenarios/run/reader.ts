import { SseParser } from "../../hub/events/sseReader.ts";
import { QueryEventData, ResultEventData } from "../../hub/http/responses.ts";
import type { Clock, Timer } from "../../shared/ports/clock.ts";
import type { History, Observation } from "./history.ts";
import { listQueries } from "./listing.ts";
import type { ChangeRead, ReplicaView } from "./replicas.ts";

type Row = Omit<Observation, "at" | "source" | "queryId">;

/**
 * A researcher watching the view: every event the hub's event stream (/api/events) carries, read
 * from its frames as a client reads them, and a poll of every row of the queries so far now and
 * then, with a listing of the queries (GET /api/queries) where the replica's API gives one, all
 * into the history; and, where the view runs in this process, a listener of the view's
 * own changes, as the embedded cluster's terminal is. It follows the hub across restarts, resuming
 * the stream from the last event id it read as a client reconnecting does; with replicas, one
 * reader follows each, wherever it runs, and reads nothing while its replica is down.
 */
export class ViewReader {
  private watched: ReplicaView | undefined;
  private unwatch = () => {};
  private polling = true;
  private polls = 0;
  private timer: Timer | undefined;
  /** The id of the last event read: a stream is resumed after it. From the stream's beginning at first. */
  private lastEventId = "0";
  /** The listeners of views begun so far: one per run of a hub. */
  private listeners = 0;

  constructor(
    private readonly deps: {
      clock: Clock;
      history: History;
      /** The view of the hub running now; undefined while a replica is down. */
      view: () => ReplicaView | undefined;
      /** The replica it reads, for a network of several. */
      replica?: number;
      queryIds: readonly string[];
      pollMs: number;
      /** After every poll. */
      onPoll?: () => void;
    },
  ) {}

  /** Streams the events of the hub running now, if not already. */
  watch(): void {
    const view = this.deps.view();
    if (this.watched === view) return;
    this.unwatch();
    this.unwatch = () => {};
    this.watched = view;
    if (!view) return;
    const parser = new SseParser();
    this.unwatch = view.follow(this.lastEventId, (frame) => {
      for (const read of parser.push(frame)) this.read(view, read.id, read.type, read.data);
    });
    this.listen(view);
  }

  private read(view: ReplicaView, id: string | undefined, type: string, data: string): void {
    if (id !== undefined) this.lastEventId = id;
    if (type === "reset") {
      // The events since the last id are gone: read every row again, as a client does, and follow on.
      for (const queryId of this.deps.queryIds) for (const row of view.read(queryId)?.nodes ?? []) this.observe("event", queryId, row);
      return;
    }
    if (type === "query") {
      const { queryId, status, itemVersion } = QueryEventData.parse(JSON.parse(data));
      const { replica } = this.deps;
      this.deps.history.observeQuery({ position: Number(id), queryId, status, itemVersion, ...(replica !== undefined && { replica }) });
      return;
    }
    if (type !== "result") return;
    const event = ResultEventData.parse(JSON.parse(data));
    this.observe("event", event.queryId, event.row, Number(id));
  }

  /** Listens to the view's own changes, where it runs here: what it shows now, then each change, for as long as the view lives. */
  private listen(view: ReplicaView): void {
    if (!view.listen) return;
    const listener = this.listeners++;
    const { history, replica } = this.deps;
    const seen = (how: "shown" | "changed", c: ChangeRead) =>
      history.viewChanged({
        listener,
        how,
        kind: c.kind,
        queryId: c.queryId,
        nodeId: c.nodeId,
        state: c.state,
        ...(replica !== undefined && { replica }),
      });
    for (const c of view.listen((c) => seen("changed", c))) seen("shown", c);
  }

  /** Polls every pollMs until stopped. */
  start(): void {
    this.timer = this.deps.clock.setTimeout(() => this.poll(), this.deps.pollMs);
  }

  /** Polls no more; the stream goes on until stop(). */
  stopPolling(): void {
    this.polling = false;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
  }

  stop(): void {
    this.stopPolling();
    this.unwatch();
  }

  private observe(source: Observation["source"], queryId: string, row: Row, position?: number): void {
    const { nodeId, stage, itemVersion, status, count, progress, statusText, countDisplay } = row;
    const { replica } = this.deps;
    this.deps.history.observe({
      source,
      queryId,
      nodeId,
      stage,
      itemVersion,
      status,
      count,
      progress,
      statusText,
      countDisplay,
      ...(position !== undefined && { position }),
      ...(replica !== undefined && { replica }),
    });
  }

  private poll(): void {
    if (!this.polling) return;
    this.watch();
    const { view, queryIds } = this.deps;
    const now = view();
    for (const id of queryIds) {
      for (const row of now?.read(id)?.nodes ?? []) this.observe("poll", id, row);
    }
    const listing = now && listQueries(now, queryIds, this.polls++);
    const { replica } = this.deps;
    if (listing) this.deps.history.listed({ ...listing, ...(replica !== undefined && { replica }) });
    this.deps.onPoll?.();
    this.start();
  }
}
