import type { Proposal } from "../shared/ports/store.ts";
import type { Random } from "../shared/ports/random.ts";
import { BREAKDOWN_KINDS, type Breakdowns, cellsOf } from "../shared/protocol/breakdowns.ts";
import { type QueryState, type ResultState, SHRINE_OBFUSCATION } from "../shared/protocol/items.ts";
import { encodeMessage, type ResultUpdate } from "../shared/protocol/messages.ts";
import { nextVersion } from "../shared/protocol/versionInfo.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { fanOutProposals } from "../hub/queries.ts";

/** One broker message of the workload: where it goes and its bytes. */
export interface WorkloadMessage {
  nodeId: string;
  messageId: string;
  body: Uint8Array;
  /** The state it proposes, for matching a view change to its publish. */
  resultId: string;
  itemVersion: number;
  /** A resend of an earlier message (same messageId, same bytes). */
  duplicate: boolean;
}

export interface Workload {
  nodeIds: string[];
  queryIds: string[];
  /** The hub's own writes that make every query known and every result sent: stored before ingest. */
  seed: Proposal[];
  /** Node result-updates, in delivery order: each result's lifecycle, reordered locally, with resends. */
  messages: WorkloadMessage[];
}

export interface WorkloadOptions {
  queries: number;
  nodes: number;
  /** Share of messages sent twice. */
  duplicateShare?: number;
  /** Messages are shuffled within windows of this many, so a result's states may arrive out of order. */
  reorderWindow?: number;
  seed?: string;
  /** Every query asks for all four breakdowns, and every completed state carries their 22 cells. */
  breakdowns?: boolean;
}

const T0 = Date.UTC(2026, 0, 1);

/** Cells as a site reports them: a multiple of the bin, or -1 for a small one. */
function drawnBreakdowns(random: Random): Breakdowns {
  const cell = () => (random.chance(0.2) ? -1 : 5 * random.int(3, 200));
  return Object.fromEntries(BREAKDOWN_KINDS.map((kind) => [kind, Object.fromEntries(cellsOf(kind).map((c) => [c, cell()]))])) as Breakdowns;
}

/**
 * The states a node proposes for one result after sentToNode (v2): received, running twice,
 * completed. `cells`, when given, draws the completed state's breakdowns from a stream of its own,
 * so a workload with breakdowns has the very same order, counts and resends as one without.
 */
function lifecycle(sent: ResultState, random: Random, cells: Random | undefined): ResultState[] {
  const states: ResultState[] = [];
  let prev = sent;
  const step = (patch: Partial<ResultState>, ms: number) => {
    const { progress: _p, count: _c, obfuscation: _o, ...base } = prev;
    prev = { ...base, ...patch, versionInfo: nextVersion(prev.versionInfo, T0 + ms) } as ResultState;
    states.push(prev);
  };
  step({ status: "receivedByNode" }, 1_000);
  step({ status: "running", progress: 0.3 }, 2_000);
  step({ status: "running", progress: 0.7 }, 3_000);
  const count = 5 * random.int(0, 400);
  step({ status: "completed", count, obfuscation: SHRINE_OBFUSCATION, ...(cells && { breakdowns: drawnBreakdowns(cells) }) }, 4_000);
  return states;
}

/**
 * Realistic node traffic for many queries and nodes, seeded: every result goes received ->
 * running 30% -> running 70% -> completed, results interleave, states arrive out of order
 * within a window, and a share of messages is delivered twice.
 */
export function makeWorkload(options: WorkloadOptions): Workload {
  const random = new SeededRandom(options.seed ?? "bench-workload");
  const cells = options.breakdowns ? random.fork("cells") : undefined;
  const nodeIds = Array.from({ length: options.nodes }, (_, i) => `hospital-${String(i).padStart(4, "0")}`);
  const queryIds: string[] = [];
  const seed: Proposal[] = [];
  const lifecycles: ResultState[][] = [];
  for (let q = 0; q < options.queries; q++) {
    const id = random.uuid();
    queryIds.push(id);
    const query: QueryState = {
      id,
      versionInfo: nextVersion(undefined, T0),
      researcherId: "bench",
      definition: {
        panels: [{ concepts: ["dx:E11.9", "dx:E10.9"] }, { concepts: ["rx:metformin"], not: true }],
        age: { min: 40 },
        ...(options.breakdowns && { breakdowns: [...BREAKDOWN_KINDS] }),
      },
      submittedAt: new Date(T0).toISOString(),
      status: "dispatched",
      nodeIds,
    };
    const fanOut = fanOutProposals(query, T0);
    seed.push(...fanOut);
    for (const p of fanOut) {
      const state = p.state as ResultState;
      if (p.kind === "result" && state.status === "sentToNode") lifecycles.push(lifecycle(state, random, cells));
    }
  }
  // Interleave lifecycles the way concurrent sites do: each step of every result, round by round.
  const ordered: WorkloadMessage[] = [];
  for (let stepIndex = 0; stepIndex < 4; stepIndex++) {
    const round = random.shuffle(lifecycles.map((l) => l[stepIndex] as ResultState));
    for (const state of round) {
      const message: ResultUpdate = {
        type: "result-update",
        messageId: random.uuid(),
        sentAt: state.versionInfo.changeDate,
        nodeId: state.nodeId,
        result: state,
      };
      ordered.push({
        nodeId: state.nodeId,
        messageId: message.messageId,
        body: encodeMessage(message),
        resultId: state.id,
        itemVersion: state.versionInfo.itemVersion,
        duplicate: false,
      });
    }
  }
  const window = Math.max(1, options.reorderWindow ?? 64);
  for (let i = 0; i < ordered.length; i += window) {
    const part = random.shuffle(ordered.slice(i, i + window));
    ordered.splice(i, part.length, ...part);
  }
  const share = options.duplicateShare ?? 0.1;
  const messages: WorkloadMessage[] = [];
  const resends: { at: number; message: WorkloadMessage }[] = [];
  ordered.forEach((m, i) => {
    messages.push(m);
    if (random.next() < share) resends.push({ at: i + random.int(1, 4 * window), message: { ...m, duplicate: true } });
    while (resends.length > 0 && (resends[0] as { at: number }).at <= i)
      messages.push((resends.shift() as { message: WorkloadMessage }).message);
    resends.sort((a, b) => a.at - b.at);
  });
  for (const r of resends) messages.push(r.message);
  return { nodeIds, queryIds, seed, messages };
}
