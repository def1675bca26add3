import { SseParser } from "../../hub/events/sseReader.ts";
import { QueryHistoryBody, QueryListBody, QueryViewBody, ResultEventData } from "../../hub/http/responses.ts";
import type { Observation } from "../check/evidence.ts";
import { judgeLive, type LiveJudgement, type LiveQuery } from "../check/live.ts";

export interface HubCheckOptions {
  /** The hub's API, e.g. http://127.0.0.1:8080. */
  url: string;
  /** How long to watch the event stream, in milliseconds. */
  watchMs: number;
  /** The newest queries judged at most. */
  queries: number;
}

/** A hub that does not answer, or answers what its API does not say it would. */
export class HubUnreachableError extends Error {
  override readonly name = "HubUnreachableError";
}

async function getJson(url: string, signal?: AbortSignal): Promise<unknown> {
  const response = await fetch(url, { headers: { accept: "application/json" }, signal }).catch((err: Error) => {
    throw new HubUnreachableError(`no hub answers at ${url}: ${(err.cause as Error | undefined)?.message ?? err.message}`);
  });
  if (!response.ok) throw new HubUnreachableError(`GET ${url} answered ${response.status}`);
  return response.json();
}

const rowObservation = (
  source: Observation["source"],
  queryId: string,
  row: Omit<Observation, "at" | "source" | "queryId">,
  at: number,
) => ({
  at,
  source,
  queryId,
  nodeId: row.nodeId,
  stage: row.stage,
  itemVersion: row.itemVersion,
  status: row.status,
});

/** Reads the hub's event stream for `ms`, every result event as an observation. */
async function watchEvents(url: string, ms: number, seen: Observation[]): Promise<void> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ms);
  try {
    const response = await fetch(url, { headers: { accept: "text/event-stream" }, signal: stop.signal });
    if (!response.ok || !response.body) throw new HubUnreachableError(`GET ${url} answered ${response.status}`);
    const parser = new SseParser();
    const decoder = new TextDecoder();
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
        if (event.type !== "result") continue;
        const data = ResultEventData.safeParse(JSON.parse(event.data));
        if (data.success) seen.push(rowObservation("event", data.data.queryId, data.data.row, Date.now()));
      }
    }
  } catch (err) {
    if (!stop.signal.aborted)
      throw err instanceof HubUnreachableError ? err : new HubUnreachableError(`the event stream ${url} broke: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One query read twice around its history, so that the view and the history are of one moment: a
 * busy hub may apply a state between two reads, and then they are read again.
 */
async function readQuery(base: string, id: string, seen: Observation[]): Promise<LiveQuery> {
  for (let attempt = 1; ; attempt++) {
    const before = QueryViewBody.parse(await getJson(`${base}/api/queries/${id}`));
    const history = QueryHistoryBody.parse(await getJson(`${base}/api/queries/${id}/history`));
    const after = QueryViewBody.parse(await getJson(`${base}/api/queries/${id}`));
    for (const row of after.nodes) seen.push(rowObservation("poll", id, row, Date.now()));
    if (JSON.stringify(before) !== JSON.stringify(after) && attempt < 5) continue;
    return {
      id,
      read: { status: after.status, itemVersion: after.itemVersion, nodes: after.nodes, summary: after.summary },
      history: {
        states: history.states.map((s) => ({ ...s, state: s.state as LiveQuery["history"]["states"][number]["state"] })),
        conflicts: history.conflicts as unknown as LiveQuery["history"]["conflicts"],
      },
    };
  }
}

/**
 * Judges a running hub through its API: polls the newest queries, watches the event stream for a
 * while (what a researcher sees must never move back), polls them again, then reads each query and
 * its history and judges the live invariants.
 */
export async function checkHub(options: HubCheckOptions): Promise<{ judgements: LiveJudgement[]; queries: number; observations: number }> {
  const base = options.url.replace(/\/+$/, "");
  const startedAt = Date.now();
  const seen: Observation[] = [];
  const list = QueryListBody.parse(await getJson(`${base}/api/queries?limit=${Math.min(500, options.queries)}`));
  for (const q of list.items) for (const row of q.nodes) seen.push(rowObservation("poll", q.id, row, Date.now()));
  // From the list's newest event on: an older event replayed after the poll would look like a regression.
  await watchEvents(`${base}/api/events?lastEventId=${encodeURIComponent(list.lastEventId)}`, options.watchMs, seen);
  const ids = QueryListBody.parse(await getJson(`${base}/api/queries?limit=${Math.min(500, options.queries)}`)).items.map((q) => q.id);
  const queries: LiveQuery[] = [];
  for (const id of ids) queries.push(await readQuery(base, id, seen));
  return { judgements: judgeLive({ startedAt, observations: seen, queries }), queries: queries.length, observations: seen.length };
}

/** What `check --hub` prints: one line per invariant, the findings of each broken one under it. */
export function describeJudgements(judgements: readonly LiveJudgement[], limit = 5): string[] {
  const lines: string[] = [];
  for (const j of judgements) {
    lines.push(`${j.holds ? "holds " : "BROKEN"}  ${j.invariant}${j.holds ? "" : ` (${j.findings.length})`}`);
    for (const f of j.findings.slice(0, limit)) lines.push(`          ${f.message}`);
    if (j.findings.length > limit) lines.push(`          ... and ${j.findings.length - limit} more`);
  }
  return lines;
}
