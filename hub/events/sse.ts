import type { ServerResponse } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Clock, Timer } from "../../shared/ports/clock.ts";
import { type EventLog, type FeedEvent, resetFrame } from "./eventLog.ts";

export interface EventStreamsOptions {
  log: EventLog;
  clock: Clock;
  /** A comment line this often keeps proxies and the browser from closing an idle stream. */
  heartbeatMs: number;
  /** Bytes one client may leave unsent; beyond that it is dropped and resumes with Last-Event-ID. */
  maxBufferedBytes: number;
  /** What a browser waits before reconnecting. */
  retryMs?: number;
  onDrop?: () => void;
}

interface Client {
  raw: ServerResponse;
  timer: Timer | undefined;
  unsubscribe: () => void;
}

/**
 * The Server-Sent Events streams of the view's changes. Writing never waits for a client: each
 * frame goes into the client's own socket buffer, and a client whose buffer outgrows its bound
 * is cut off rather than slowing anyone down; it reconnects and resumes from its last event id.
 */
export class EventStreams {
  private readonly clients = new Set<Client>();
  private droppedCount = 0;

  constructor(private readonly options: EventStreamsOptions) {}

  /**
   * Takes over the reply and streams: first what the client missed after its Last-Event-ID, then
   * live; with `queryId`, only that query's events (a reset still reaches it: it says to read again).
   */
  open(request: FastifyRequest, reply: FastifyReply, lastEventId: string | undefined, queryId?: string): void {
    const { log, retryMs = 2000 } = this.options;
    const wanted = (e: FeedEvent) => queryId === undefined || e.queryId === queryId;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    request.raw.socket.setNoDelay(true);
    const client: Client = { raw, timer: undefined, unsubscribe: () => undefined };
    this.clients.add(client);
    raw.on("close", () => this.forget(client));

    raw.write(`retry: ${retryMs}\n: stream of ${log.lastId()}\n\n`);
    // A client coming from a replica further along skips what it has already seen there.
    let after = 0;
    if (lastEventId !== undefined) {
      const backlog = log.since(lastEventId);
      const bytes = backlog.kind === "events" ? backlog.events.reduce((n, e) => n + (wanted(e) ? e.frame.length : 0), 0) : 0;
      if (backlog.kind === "reset" || bytes > this.options.maxBufferedBytes) {
        const reason = backlog.kind === "reset" ? backlog.reason : "too far behind: the missed events exceed the client buffer";
        raw.write(resetFrame(log.lastId(), reason));
      } else {
        for (const e of backlog.events) if (wanted(e)) raw.write(e.frame);
        after = backlog.after;
      }
    }
    client.unsubscribe = log.subscribe((event: FeedEvent) => {
      if (event.position > after && wanted(event)) this.send(client, event.frame);
    });
    this.beat(client);
  }

  /** Clients streaming now. */
  count(): number {
    return this.clients.size;
  }

  /** Clients cut off for falling behind, since start. */
  dropped(): number {
    return this.droppedCount;
  }

  /** Ends every stream, as the hub stops. */
  closeAll(): void {
    for (const client of [...this.clients]) {
      this.forget(client);
      client.raw.end();
    }
  }

  private send(client: Client, text: string): void {
    const { raw } = client;
    if (raw.destroyed) return;
    if (raw.writableLength + text.length > this.options.maxBufferedBytes) {
      this.droppedCount++;
      this.options.onDrop?.();
      this.forget(client);
      raw.destroy();
      return;
    }
    raw.write(text);
  }

  private beat(client: Client): void {
    client.timer = this.options.clock.setTimeout(() => {
      if (!this.clients.has(client)) return;
      this.send(client, ": heartbeat\n\n");
      if (this.clients.has(client)) this.beat(client);
    }, this.options.heartbeatMs);
  }

  private forget(client: Client): void {
    if (!this.clients.delete(client)) return;
    client.unsubscribe();
    if (client.timer) this.options.clock.clearTimeout(client.timer);
  }
}
