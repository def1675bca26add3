import type { EmbeddedNetwork } from "../../cluster/embedded/network.ts";
import type { Config } from "../../shared/config.ts";
import { createLease } from "../../shared/lease/create.ts";
import type { Lease } from "../../shared/ports/lease.ts";
import { DEFAULT_DATABASE_URL } from "../../shared/store/create.ts";
import { type RunContext, SIMULATED } from "./context.ts";
import { ChildReplica } from "./replicaChild.ts";
import { InProcessReplica, type RunReplica } from "./replicas.ts";
import type { StoreEngine } from "./store.ts";

/**
 * Where a run's hub replicas run. In simulation all in the runner's process, over one store, as
 * the memory broker and the virtual clock need. On a real broker, replica 0 stays in the runner's
 * process and every other runs as a child process: replica 0 carries what the fault table does at
 * the hub's ports (store faults, port faults, the hub's own publishes in the history, the dead
 * replays that read them), which hang off objects of the runner's process; the children are
 * plain hubs, each with its own connection and store client, that crash as processes do.
 */
export function inProcesses(run: RunContext): boolean {
  return run.transport !== SIMULATED && run.scenario.hubs > 1;
}

/** Whether a run on the transport and store can have hub replicas: in simulation, or in processes over PostgreSQL. */
export function replicasPossible(transport: string, store: StoreEngine): boolean {
  return transport === SIMULATED || store === "postgres";
}

/** Replicas in processes of their own need a store they all reach: refused otherwise, in a line that says what to do. */
export function requireSharedStore(run: RunContext): void {
  if (!inProcesses(run) || replicasPossible(run.transport, run.store)) return;
  throw new Error(
    `${run.scenario.name} runs ${run.scenario.hubs} hub replicas, which on ${run.transport} are separate processes over one store: run it with --store postgres (not ${run.store})`,
  );
}

/** The lease each replica holds the duties with: one the child processes see too (the schema's advisory lock), or none given. */
export function replicaLease(run: RunContext, schema: string | undefined): (() => Lease) | undefined {
  if (!inProcesses(run)) return undefined;
  const databaseUrl = databaseUrlOf(run);
  return () => createLease("postgres", { databaseUrl, schema, log: run.log });
}

const databaseUrlOf = (run: RunContext) => run.options.config?.DATABASE_URL ?? DEFAULT_DATABASE_URL;

/**
 * The run's replicas: those of the embedded network, then the child processes, started by
 * start(). Every child is in `children` from the first, for whoever made them to kill them all,
 * even when one fails to start.
 */
export function runReplicas(
  run: RunContext,
  network: EmbeddedNetwork,
  where: { prefix: string; schema: string | undefined },
): { replicas: RunReplica[]; children: ChildReplica[]; start(): Promise<void> } {
  const { scenario } = run;
  const local = network.hubs.map((_, i) => new InProcessReplica(network, i));
  if (!inProcesses(run)) return { replicas: local, children: [], start: async () => {} };
  const { config } = run.options;
  if (!config || !where.schema)
    throw new Error("hub replicas in processes of their own need the broker configuration and a PostgreSQL schema");
  const settings = {
    // The run's broker, whatever the configuration it was given names: the sites and the first
    // replica are on it (RunConnections), and a replica on another reaches none of them.
    env: { ...configEnv(config), QNET_TRANSPORT: run.transport, QNET_STORE: "postgres", DATABASE_URL: databaseUrlOf(run) },
    prefix: where.prefix,
    schema: where.schema,
    nodeIds: scenario.nodes.map((n) => n.nodeId),
    policy: run.policy,
    resultTimeoutMs: run.time(scenario.resultTimeoutMs),
    heartbeatMs: run.time(scenario.heartbeatMs),
    pollMs: run.time(1_000),
    ...(run.options.feedPollMs !== undefined && { feedPollMs: run.options.feedPollMs }),
  };
  const children = Array.from(
    { length: scenario.hubs - local.length },
    (_, k) => new ChildReplica({ replica: local.length + k, settings, report: run.history }),
  );
  return {
    replicas: [...local, ...children],
    children,
    async start() {
      const failed = (await Promise.allSettled(children.map((c) => c.start()))).find((s) => s.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
}

/** The run's configuration as the environment a hub process reads it from. */
function configEnv(config: Config): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined || value === null) continue;
    env[key] = Array.isArray(value) ? value.join(",") : String(value);
  }
  return env;
}
