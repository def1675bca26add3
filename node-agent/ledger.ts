import { z } from "zod";
import { QueryDefinition } from "../shared/protocol/definition.ts";
import { ResultState } from "../shared/protocol/items.ts";
import { isFinal } from "../shared/protocol/status.ts";

/** A run-query the node has taken on. */
export interface RecordedQuery {
  resultId: string;
  queryId: string;
  definition: QueryDefinition;
  /** The hub's sentToNode state from the run-query: the node's versions continue from it. */
  sent: ResultState;
  /** Clock ms when the node took it. */
  receivedAt: number;
}

/** The newest state the node has proposed for a result. */
export interface RecordedState {
  result: ResultState;
  /** Reused on every resend of this proposal. */
  messageId: string;
  /** True once the broker confirmed it. */
  published: boolean;
}

/** One line of the ledger's log. */
export const LedgerEntry = z.discriminatedUnion("t", [
  z.object({
    t: z.literal("query"),
    resultId: z.string(),
    queryId: z.string(),
    definition: QueryDefinition,
    sent: ResultState,
    receivedAt: z.number(),
  }),
  z.object({ t: z.literal("state"), result: ResultState, messageId: z.string() }),
  z.object({ t: z.literal("published"), resultId: z.string(), itemVersion: z.number().int() }),
]);
export type LedgerEntry = z.infer<typeof LedgerEntry>;

/**
 * The node's own memory of its results: the queries it took on and the newest state it proposed
 * for each. A node records a query before acknowledging its run-query, and a state before
 * publishing it, so that after a restart it resends what may not have gone out and continues the
 * version sequence instead of reusing a version for a different state.
 */
export interface NodeLedger {
  readonly name: string;
  open(): Promise<void>;
  /** Resolves once durable. */
  recordQuery(query: RecordedQuery): Promise<void>;
  /** Resolves once durable. An older version than the one recorded is ignored. */
  recordState(result: ResultState, messageId: string): Promise<void>;
  /** The broker confirmed a state. */
  recordPublished(resultId: string, itemVersion: number): Promise<void>;
  /** Whether the node has taken the result on, finished or not: a run-query for it is a duplicate. */
  taken(resultId: string): boolean;
  /** The run-query of a result; a ledger that forgets finished results answers undefined for them. */
  query(resultId: string): RecordedQuery | undefined;
  newest(resultId: string): RecordedState | undefined;
  /** Results with work left: not yet final, or whose newest state the broker has not confirmed. */
  unfinished(): { query: RecordedQuery; newest: RecordedState | undefined }[];
  close(): Promise<void>;
}

/** The ledger's state, rebuilt by applying its entries in order: shared by every engine. */
export class LedgerIndex {
  readonly queries = new Map<string, RecordedQuery>();
  readonly states = new Map<string, RecordedState>();
  /** Results forgotten once final and confirmed, by id: all that duplicate detection needs of them. */
  readonly finished = new Set<string>();

  /**
   * `forgetFinished` drops a result's query and newest state once its final state is confirmed,
   * keeping only its id: a node in a simulation of a million results keeps its working set, not
   * its whole past. A durable ledger keeps them, so its rewrite still knows every result it took.
   */
  constructor(private readonly forgetFinished = false) {}

  taken(resultId: string): boolean {
    return this.queries.has(resultId) || this.finished.has(resultId);
  }

  apply(entry: LedgerEntry): void {
    switch (entry.t) {
      case "query": {
        const { t: _, ...query } = entry;
        if (!this.queries.has(query.resultId)) this.queries.set(query.resultId, query);
        return;
      }
      case "state": {
        const known = this.states.get(entry.result.id);
        if (known && known.result.versionInfo.itemVersion >= entry.result.versionInfo.itemVersion) return;
        this.states.set(entry.result.id, { result: entry.result, messageId: entry.messageId, published: false });
        return;
      }
      case "published": {
        const known = this.states.get(entry.resultId);
        if (known && known.result.versionInfo.itemVersion === entry.itemVersion) {
          known.published = true;
          if (this.forgetFinished && isFinal(known.result.status)) {
            this.queries.delete(entry.resultId);
            this.states.delete(entry.resultId);
            this.finished.add(entry.resultId);
          }
        }
        return;
      }
    }
  }

  unfinished(): { query: RecordedQuery; newest: RecordedState | undefined }[] {
    const out: { query: RecordedQuery; newest: RecordedState | undefined }[] = [];
    for (const query of this.queries.values()) {
      const newest = this.states.get(query.resultId);
      if (!newest?.published || !isFinal(newest.result.status)) out.push({ query, newest });
    }
    return out;
  }

  /** The fewest entries that rebuild this index. */
  *entries(): Generator<LedgerEntry> {
    for (const q of this.queries.values()) {
      yield { t: "query", ...q };
      const s = this.states.get(q.resultId);
      if (!s) continue;
      yield { t: "state", result: s.result, messageId: s.messageId };
      if (s.published) yield { t: "published", resultId: q.resultId, itemVersion: s.result.versionInfo.itemVersion };
    }
  }
}

/** Shared by the engines: every read answers from the index. */
export abstract class IndexedLedger implements NodeLedger {
  abstract readonly name: string;
  protected index = new LedgerIndex();

  abstract open(): Promise<void>;
  abstract close(): Promise<void>;
  /** Make an entry durable, then apply it. */
  protected abstract append(entry: LedgerEntry): Promise<void>;

  recordQuery(query: RecordedQuery): Promise<void> {
    return this.append({ t: "query", ...query });
  }

  recordState(result: ResultState, messageId: string): Promise<void> {
    return this.append({ t: "state", result, messageId });
  }

  recordPublished(resultId: string, itemVersion: number): Promise<void> {
    return this.append({ t: "published", resultId, itemVersion });
  }

  taken(resultId: string): boolean {
    return this.index.taken(resultId);
  }

  query(resultId: string): RecordedQuery | undefined {
    return this.index.queries.get(resultId);
  }

  newest(resultId: string): RecordedState | undefined {
    return this.index.states.get(resultId);
  }

  unfinished(): { query: RecordedQuery; newest: RecordedState | undefined }[] {
    return this.index.unfinished();
  }
}

/**
 * Forgets everything when the process ends: a restarted node starts from the hub's states again.
 * Within the process it forgets finished results too, all but their ids.
 */
export class MemoryLedger extends IndexedLedger {
  readonly name = "memory";
  protected override index = new LedgerIndex(true);

  async open(): Promise<void> {}
  async close(): Promise<void> {}

  protected async append(entry: LedgerEntry): Promise<void> {
    this.index.apply(entry);
  }
}
