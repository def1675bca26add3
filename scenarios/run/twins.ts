import { NodeAgent } from "../../node-agent/agent.ts";
import type { Transport } from "../../shared/ports/transport.ts";
import type { RunConnections } from "./connections.ts";
import type { RunContext } from "./context.ts";
import { scenarioNodes, siteClock } from "./network.ts";
import { truthObserver } from "./truths.ts";

/** Second agents of nodes, each on a connection of its own that consumes copies of what the first agent takes. */
export class Twins {
  private readonly running = new Map<string, { agent: NodeAgent; transport: Transport }>();

  constructor(
    private readonly run: RunContext,
    private readonly connections: RunConnections,
  ) {}

  get size(): number {
    return this.running.size;
  }

  /** A twin of the node; with `ownSeed` a site of its own: other patients, other counts. */
  async start(nodeId: string, options: { ownSeed: boolean }): Promise<void> {
    const { connections, run } = this;
    const spec = scenarioNodes(run.scenario).find((n) => n.nodeId === nodeId);
    if (!spec || this.running.has(nodeId)) return;
    const label = `twin-${nodeId}`;
    const transport = connections.wrap(await connections.raw(label, connections.memoryAs(connections.userOf(nodeId))), nodeId, label, true);
    const agent = new NodeAgent({
      nodeId,
      transport,
      clock: siteClock(run)(nodeId),
      random: run.random.fork(label),
      profile: spec.profile,
      seed: options.ownSeed ? `${nodeId}:twin` : nodeId,
      populationSize: run.scenario.populationSize,
      obfuscation: spec.obfuscation,
      ...(spec.leaveOut && { leaveOut: spec.leaveOut }),
      heartbeatMs: 0,
      timeScale: run.scenario.timeScale * run.scale,
      observer: truthObserver(run.truths),
    });
    await agent.start();
    this.running.set(nodeId, { agent, transport });
  }

  async stop(nodeId: string): Promise<void> {
    const twin = this.running.get(nodeId);
    if (!twin) return;
    this.running.delete(nodeId);
    await twin.agent.stop();
    await twin.transport.close();
  }

  /** At the end of a run: the agents stop, their connections go with the broker's. */
  async stopAll(): Promise<void> {
    for (const twin of this.running.values()) await twin.agent.stop();
  }
}
