import { silentLogger } from "../../shared/log.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Lease } from "../../shared/ports/lease.ts";
import type { Store } from "../../shared/ports/store.ts";
import type { Transport } from "../../shared/ports/transport.ts";
import type { RunQuery } from "../../shared/protocol/messages.ts";
import { MemoryStore } from "../../shared/store/memory.ts";
import { ScriptedNode, type ScriptedState } from "../../shared/testing/scriptedNode.ts";
import { SeededRandom } from "../../shared/time/seededRandom.ts";
import { createMemoryBroker, type MemoryBroker, MemoryTransport, type TransitPlan } from "../../shared/transport/memory/mod.ts";
import { type Hub, startHub } from "../hub.ts";

export interface ScriptedSitesOptions {
  clock: Clock;
  seed: number | string;
  nodeIds: readonly string[];
  /** What each site answers a run-query with; ladder({}) when absent. */
  script?: (nodeId: string, run: RunQuery) => readonly ScriptedState[];
  /** Both the hub's liveness window and the sites' heartbeat interval; 5 s when absent. */
  heartbeatMs?: number;
  /** Faults the memory broker injects in transit. */
  faults?: TransitPlan;
  prefix?: string;
  store?: Store;
  /** The hub's lease on the singleton duties, for a test with replicas; one of its own when absent. */
  lease?: Lease;
  /** 300 s when absent. */
  resultTimeoutMs?: number;
}

export interface ScriptedSites {
  hub: Hub;
  broker: MemoryBroker;
  store: Store;
  sites: Map<string, ScriptedNode>;
  /** Stops the sites, the hub, and closes every connection and the store. */
  stop(): Promise<void>;
}

/** A hub on a memory broker with scripted sites, each on its own connection as its own broker user. */
export async function startScriptedSites(options: ScriptedSitesOptions): Promise<ScriptedSites> {
  const { clock, nodeIds, prefix } = options;
  const random = new SeededRandom(options.seed);
  const broker = createMemoryBroker({ clock, random: random.fork("broker"), faults: options.faults });
  const store = options.store ?? new MemoryStore({ clock });
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const hubTransport = new MemoryTransport(broker, { prefix });
  const hub = await startHub({
    transport: hubTransport,
    store,
    clock,
    random: random.fork("hub"),
    log: silentLogger,
    nodeIds,
    resultTimeoutMs: options.resultTimeoutMs ?? 300_000,
    heartbeatMs,
    prefetch: 256,
    lease: options.lease,
  });
  const sites = new Map<string, ScriptedNode>();
  const transports: Transport[] = [hubTransport];
  for (const nodeId of nodeIds) {
    const transport = new MemoryTransport(broker, { prefix, user: nodeId });
    transports.push(transport);
    const script = options.script;
    sites.set(
      nodeId,
      await ScriptedNode.start({
        nodeId,
        transport,
        clock,
        random: random.fork(`site:${nodeId}`),
        heartbeatMs,
        ...(script && { script: (run: RunQuery) => script(nodeId, run) }),
      }),
    );
  }
  return {
    hub,
    broker,
    store,
    sites,
    async stop() {
      for (const site of sites.values()) await site.stop();
      await hub.stop();
      for (const transport of transports) await transport.close();
      await store.close();
    },
  };
}
