import { EmbeddedNetwork } from "../cluster/embedded/network.ts";
import { NODE_PROFILES } from "../shared/config.ts";
import type { Transport } from "../shared/ports/transport.ts";
import { BREAKDOWN_KINDS } from "../shared/protocol/breakdowns.ts";
import type { QueryDefinition } from "../shared/protocol/definition.ts";
import { decodeMessage } from "../shared/protocol/messages.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { VirtualClock } from "../shared/time/virtualClock.ts";
import type { Figure } from "./report.ts";

export interface SimulationSize {
  nodes: number;
  queries: number;
  /** Patients per site: small, so the figure is about messages, not counting. */
  populationSize: number;
  /**
   * Queries submitted together; the next wave goes when every query of the previous one is done,
   * so the broker never holds more than wave x nodes run-queries at once. 50 unless given.
   */
  wave?: number;
  /** Every query asks for all four breakdowns: each site counts and obfuscates 22 cells, and every completed state carries them. */
  breakdowns?: boolean;
}

export interface SimulationRun {
  nodes: number;
  queries: number;
  results: number;
  /** Wall seconds from the first submission until every query is done. */
  seconds: number;
  /** CPU seconds (user and system, all threads) over the same span: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  /** Result-updates the hub consumed from nodes: one per state a site moved a result to. */
  transitions: number;
  /** The result-update bodies the nodes published, for the bare loop; kept only when asked. */
  bodies: Uint8Array[];
  peakHeapBytes: number;
  peakRssBytes: number;
  storedStates: number;
  allDone: boolean;
}

const DEFINITION: QueryDefinition = {
  panels: [{ concepts: ["dx:E11.9", "dx:E10.9"] }, { concepts: ["rx:metformin"], not: true }],
  age: { min: 40 },
};
/** Virtual time allowed for the whole run: far beyond the slowest profile, so only a stuck run hits it. */
const VIRTUAL_LIMIT_MS = 24 * 3_600_000;

/** A publish-watching connection: keeps the bytes of every result-update a node sends. */
function keepingResultBodies(transport: Transport, bodies: Uint8Array[]): Transport {
  const publish: Transport["publish"] = (route, body, options) => {
    if (route.to === "hub" && route.kind === "result") bodies.push(body);
    return transport.publish(route, body, options);
  };
  return new Proxy(transport, { get: (t, key) => (key === "publish" ? publish : Reflect.get(t, key, t)) });
}

/**
 * The whole network in one process on the memory broker and store, in virtual time: the queries
 * submitted to every node in waves, run until every query is done.
 */
export async function simulate(size: SimulationSize, keepBodies: boolean): Promise<SimulationRun> {
  const clock = new VirtualClock();
  const bodies: Uint8Array[] = [];
  const nodes = Array.from({ length: size.nodes }, (_, i) => ({
    nodeId: `site-${String(i).padStart(4, "0")}`,
    profile: NODE_PROFILES[i % NODE_PROFILES.length] as (typeof NODE_PROFILES)[number],
  }));
  let peakHeap = 0;
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  const sampler = setInterval(sample, 100);
  const network = await EmbeddedNetwork.start({
    clock,
    random: new SeededRandom(`bench-sim-${size.nodes}x${size.queries}`),
    nodes,
    populationSize: size.populationSize,
    heartbeatMs: 60_000,
    resultTimeoutMs: VIRTUAL_LIMIT_MS,
    connect: (who, onMemoryBroker) =>
      keepBodies && who.role === "node" ? keepingResultBodies(onMemoryBroker(), bodies) : onMemoryBroker(),
  });
  const { view, metrics } = network.hub;
  let done = 0;
  view.onChange((c) => {
    if (c.kind === "query" && (c.state as { status?: string }).status === "done") done++;
  });
  const start = performance.now();
  const cpuAtStart = process.cpuUsage();
  const wave = size.wave ?? 50;
  const definition = size.breakdowns ? { ...DEFINITION, breakdowns: [...BREAKDOWN_KINDS] } : DEFINITION;
  let allDone = true;
  for (let submitted = 0; submitted < size.queries && allDone; ) {
    const next = Math.min(size.queries, submitted + wave);
    for (; submitted < next; submitted++) await network.hub.desk.submit({ definition, researcherId: "bench" });
    allDone = await clock.runWhile(() => done < submitted, VIRTUAL_LIMIT_MS);
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  sample();
  clearInterval(sampler);
  // A node's result-updates, each one state a site moved to; the hub's own writes are not counted.
  const transitions = await metrics.messageCount("result-update");
  const storedStates = (await network.store.counts()).states;
  await network.stop();
  return {
    nodes: size.nodes,
    queries: size.queries,
    results: size.nodes * size.queries,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    transitions,
    bodies,
    peakHeapBytes: peakHeap,
    peakRssBytes: peakRss,
    storedStates,
    allDone,
  };
}

/** The bare loop: parse and validate each body, nothing else. Messages per second. */
export function bareParseRate(bodies: readonly Uint8Array[]): number {
  let ok = 0;
  const start = performance.now();
  for (const body of bodies) if (decodeMessage(body).ok) ok++;
  const seconds = (performance.now() - start) / 1000;
  if (ok !== bodies.length) throw new Error(`bare loop: ${bodies.length - ok} of ${bodies.length} bodies did not validate`);
  return bodies.length / seconds;
}

export async function simulationPart(size: SimulationSize): Promise<Figure[]> {
  const part = `2 simulation${size.breakdowns ? " +breakdowns" : ""}`;
  const run = await simulate(size, true);
  // Twice, the first warming the JIT up, so the baseline is the loop at its best.
  bareParseRate(run.bodies);
  const bare = bareParseRate(run.bodies);
  const rate = run.transitions / run.seconds;
  const ratio = rate / bare;
  return [
    {
      part,
      name: "simulation: transitions applied",
      value: rate,
      unit: "/s",
      note: `${run.nodes} nodes x ${run.queries} queries, ${run.transitions} transitions in ${run.seconds.toFixed(1)} s, all done: ${run.allDone}`,
    },
    { part, name: "bare loop: parse + validate", value: bare, unit: "msg/s", note: `${run.bodies.length} result-update bodies` },
    { part, name: "simulation / bare", value: ratio, unit: "ratio", target: ">= 0.5", met: ratio >= 0.5 },
  ];
}
