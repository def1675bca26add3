import { SseParser } from "../../hub/events/sseReader.ts";
import { ResultEventData } from "../../hub/http/responses.ts";
import type { Clock, Timer } from "../../shared/ports/clock.ts";
import type { History, Observation } from "./history.ts";
import { listQueries } from "./listing.ts";
import type { ReplicaView } from "./replicas.ts";

type Row = Omit<Observation, "at" | "source" | "queryId">;

/**
 * A researcher watching the view: every event the hub's event stream (/api/events) carries, read
 * from its frames as a client reads them, and a poll of every row of the queries so far now and
 * then, with a listing of the queries (GET /api/queries) where the replica's API gives one, all
 * into the history. It follows the hub across restarts; with replicas, one reader follows
 * each, wherever it runs, and reads nothing while its replica is down.
 */
export class ViewReader {
  private watched: ReplicaView | undefined;
  private unwatch = () => {};
  private polling = true;
  private polls = 0;
  private timer: Timer | undefined;

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
    this.unwatch = view.follow((frame) => {
      for (const read of parser.push(frame)) {
        if (read.type !== "result") continue;
        const data = ResultEventData.parse(JSON.parse(read.data));
        this.observe("event", data.queryId, data.row);
      }
    });
  }

  /** Polls every pollMs until stopped. */
  start(): void {
    this.timer = this.deps.clock.setTimeout(() => this.poll(), this.deps.pollMs);
  }

  stop(): void {
    this.polling = false;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.unwatch();
  }

  private observe(source: Observation["source"], queryId: string, row: Row): void {
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
