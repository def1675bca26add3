import type { Logger } from "../shared/log.ts";
import type { Clock } from "../shared/ports/clock.ts";
import type { Random } from "../shared/ports/random.ts";
import type { Proposal } from "../shared/ports/store.ts";
import type { Transport } from "../shared/ports/transport.ts";
import type { QueryDefinition } from "../shared/protocol/definition.ts";
import { resultId } from "../shared/protocol/ids.ts";
import type { QueryState, ResultState } from "../shared/protocol/items.ts";
import { type RunQuery, encodeMessage } from "../shared/protocol/messages.ts";
import { type QueryStatus, queryStage, resultStage } from "../shared/protocol/status.ts";
import { nextVersion } from "../shared/protocol/versionInfo.ts";
import type { Recorder } from "./record.ts";
import type { StatusView } from "./view/statusView.ts";

export interface Submission {
  definition: QueryDefinition;
  researcherId?: string;
  nodeIds?: string[];
}

const RETRY_MS = [500, 1000, 2000, 5000, 10_000];
const SENT_STAGE = resultStage("sentToNode");

/** What the hub stores when it fans a query out: the query, and per node its result created then sentToNode. */
export function fanOutProposals(query: QueryState, at: number): Proposal[] {
  const proposals: Proposal[] = [{ kind: "query", state: query, origin: "hub" }];
  for (const nodeId of query.nodeIds ?? []) {
    const created: ResultState = {
      id: resultId(query.id, nodeId),
      queryId: query.id,
      nodeId,
      versionInfo: nextVersion(undefined, at),
      status: "created",
    };
    const sent: ResultState = { ...created, versionInfo: nextVersion(created.versionInfo, at), status: "sentToNode" };
    proposals.push({ kind: "result", state: created, origin: "hub" }, { kind: "result", state: sent, origin: "hub" });
  }
  return proposals;
}

/**
 * The hub's own writes to queries: create the Query and one Result per node, send run-query to
 * each node, and move the query along created -> dispatched -> done.
 */
export class QueryDesk {
  private readonly stopped = new AbortController();
  /** Queries this hub is sending now: a redispatch leaves them to the send under way. */
  private readonly dispatching = new Set<string>();
  /** Queries whose status this hub is writing now: a sweep leaves them to the write under way. */
  private readonly advancing = new Set<string>();

  constructor(
    private readonly deps: {
      recorder: Recorder;
      view: StatusView;
      transport: Transport;
      clock: Clock;
      random: Random;
      log: Logger;
      nodeIds: readonly string[];
    },
  ) {}

  /** Records the query durably and starts sending it; answers its id once it is stored. */
  async submit(submission: Submission): Promise<string> {
    const { clock, random, recorder } = this.deps;
    const now = clock.now();
    const id = random.uuid();
    const nodeIds = [...new Set(submission.nodeIds ?? this.deps.nodeIds)];
    const query: QueryState = {
      id,
      versionInfo: nextVersion(undefined, now),
      researcherId: submission.researcherId ?? "anonymous",
      definition: submission.definition,
      submittedAt: new Date(now).toISOString(),
      status: "created",
      nodeIds,
    };
    await recorder.record(fanOutProposals(query, now));
    if (nodeIds.length === 0) await this.advance(id, "failed");
    else this.startDispatch(id);
    return id;
  }

  /** Dispatches in the background; a failure is logged, and the redispatch duty sends again later. */
  private startDispatch(queryId: string): void {
    void this.dispatch(queryId).catch((err) => this.deps.log.warn({ queryId, err: String(err) }, "dispatch failed"));
  }

  /** Sends run-query to every node of a query still `created`; retried with backoff until confirmed. */
  async dispatch(queryId: string): Promise<void> {
    if (this.dispatching.has(queryId)) return;
    this.dispatching.add(queryId);
    try {
      await this.send(queryId);
    } finally {
      this.dispatching.delete(queryId);
    }
  }

  private async send(queryId: string): Promise<void> {
    const { view, transport, clock, random, log } = this.deps;
    const query = view.query(queryId);
    if (query?.status !== "created") return;
    // After a restart, a site whose result moved past sentToNode has its run-query already:
    // sending it again would carry a state the node refuses, to the dead letters.
    let pending = (query.nodeIds ?? []).filter((nodeId) => resultStage(view.result(queryId, nodeId)?.status ?? "created") <= SENT_STAGE);
    // The query as PROTOCOL.md puts it in a run-query: without the hub's own status and node list,
    // which would put every site's id in the message to every site (12 KB each at 1,000 sites).
    const sentQuery: RunQuery["query"] = {
      id: query.id,
      versionInfo: query.versionInfo,
      researcherId: query.researcherId,
      definition: query.definition,
      submittedAt: query.submittedAt,
    };
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (this.stopped.signal.aborted) return;
      const outcomes = await Promise.allSettled(
        pending.map((nodeId) => {
          const result = view.result(queryId, nodeId);
          if (!result) return Promise.reject(new Error(`no result for ${nodeId}`));
          const message: RunQuery = {
            type: "run-query",
            messageId: random.uuid(),
            sentAt: new Date(clock.now()).toISOString(),
            query: sentQuery,
            result,
          };
          return transport.publish({ to: "node", nodeId }, encodeMessage(message), { messageId: message.messageId });
        }),
      );
      const failed = pending.filter((_, i) => outcomes[i]?.status === "rejected");
      for (const [i, o] of outcomes.entries()) {
        if (o.status === "rejected")
          log.warn({ queryId, nodeId: pending[i], err: String(o.reason) }, "run-query not confirmed; will retry");
      }
      pending = failed;
      if (pending.length > 0) {
        try {
          await clock.sleep(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)] as number, this.stopped.signal);
        } catch {
          return;
        }
      }
    }
    await this.advance(queryId, "dispatched");
    if (view.allFinal(queryId)) await this.advance(queryId, "done");
  }

  /** Moves a query to a status, as the next version of the newest state the hub shows. */
  async advance(queryId: string, status: QueryStatus): Promise<void> {
    const query = this.deps.view.query(queryId);
    // Another replica may have moved the query on while this one was sending its run-queries:
    // `dispatched` over its `done` would be stored late, and `done` then proposed a second time.
    if (!query || queryStage(query.status ?? "created") >= queryStage(status)) return;
    const state: QueryState = { ...query, status, versionInfo: nextVersion(query.versionInfo, this.deps.clock.now()) };
    this.advancing.add(queryId);
    try {
      await this.deps.recorder.record([{ kind: "query", state, origin: "hub" }]);
    } finally {
      this.advancing.delete(queryId);
    }
  }

  /**
   * A query whose every result is final is done. Run after results moved, and as the settle
   * sweep over every query, for a status write that failed before: nothing else would retry it.
   */
  async settle(queryIds: Iterable<string>): Promise<void> {
    for (const id of queryIds) {
      if (this.advancing.has(id)) continue;
      const status = this.deps.view.query(id)?.status;
      if (status === "dispatched" && this.deps.view.allFinal(id)) await this.advance(id, "done");
    }
  }

  /**
   * Sends again what was stored but may not have been sent: at start, when a hub takes the duties
   * over from a replica that died, and for a query left `created` since before `before` (hub clock).
   */
  resume(queryIds: Iterable<string>, before = Number.POSITIVE_INFINITY): void {
    for (const id of queryIds) {
      const query = this.deps.view.query(id);
      if (query?.status !== "created" || this.dispatching.has(id)) continue;
      if (Date.parse(query.versionInfo.changeDate) < before) this.startDispatch(id);
    }
  }

  stop(): void {
    this.stopped.abort();
  }
}
