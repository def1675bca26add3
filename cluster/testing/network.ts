import { loadConfig } from "../../shared/config.ts";
import { freePort, pollUntil } from "../../shared/testing/net.ts";
import { brokerEntry } from "../../shared/transport/mod.ts";
import type { Child } from "../child.ts";
import { HubApi } from "./hubApi.ts";
import type { ProcessPool } from "./processes.ts";

export interface TestNetworkOptions {
  /** A broker of the registry that processes share (sharedBrokerNames). */
  transport: string;
  /** The run's own broker prefix (uniquePrefix). */
  prefix: string;
  /** The node ids the hub fans out to. */
  nodeIds: readonly string[];
  /** The broker's variables where they differ from this process's environment, e.g. NATS_URL of a private server. */
  brokerEnv?: Record<string, string>;
}

/**
 * A hub and node-agents as separate OS processes on one real broker, configured only through the
 * environment of PROTOCOL.md section 7, the way `npm run hub` and `npm run node-agent` are.
 */
export class TestNetwork {
  hub: Child | undefined;
  api: HubApi | undefined;
  private port = 0;

  constructor(
    readonly pool: ProcessPool,
    readonly options: TestNetworkOptions,
  ) {}

  /** The broker and its variables: as this process's environment has them (else their defaults), then the run's own. */
  private brokerVariables(): Record<string, string> {
    const inherited = Object.keys(brokerEntry(this.options.transport).variables).flatMap((name) => {
      const value = process.env[name];
      return value ? [[name, value]] : [];
    });
    return { QNET_TRANSPORT: this.options.transport, ...Object.fromEntries(inherited), ...this.options.brokerEnv };
  }

  private brokerEnv(): Record<string, string> {
    return {
      ...this.brokerVariables(),
      QNET_PREFIX: this.options.prefix,
      QNET_CONNECT_RETRIES: "5",
      QNET_HEARTBEAT_MS: "1000",
      LOG_LEVEL: "info",
    };
  }

  /** Starts the hub (memory store) and waits until its API answers ready. */
  async startHub(extra: Record<string, string> = {}): Promise<HubApi> {
    if (this.port === 0) this.port = await freePort();
    this.hub = this.pool.start("hub", "hub/main.ts", {
      ...this.brokerEnv(),
      QNET_NODES: this.options.nodeIds.join(","),
      QNET_HTTP_HOST: "127.0.0.1",
      QNET_HTTP_PORT: String(this.port),
      QNET_STORE: "memory",
      ...extra,
    });
    this.api = new HubApi(`http://127.0.0.1:${this.port}`);
    await Promise.race([
      this.api.waitReady(),
      this.hub.exited.then((exit) => {
        throw new Error(`the hub exited (${JSON.stringify(exit)}) before it was ready:\n${this.pool.output("hub")}`);
      }),
    ]);
    return this.api;
  }

  /** Starts a node-agent and waits until it says it consumes. */
  async startNode(nodeId: string, extra: Record<string, string> = {}): Promise<Child> {
    const child = this.pool.start(nodeId, "node-agent/main.ts", {
      ...this.brokerEnv(),
      QNET_NODE_ID: nodeId,
      QNET_NODE_PROFILE: "fast",
      QNET_NODE_POPULATION: "2000",
      QNET_NODE_TIME_SCALE: "0.2",
      ...extra,
    });
    const readyLines = () => (this.pool.output(nodeId).match(/node agent ready/g) ?? []).length;
    const before = readyLines();
    await Promise.race([
      pollUntil(`node-agent ${nodeId} to be ready`, 90_000, () => readyLines() > before),
      child.exited.then((exit) => {
        throw new Error(`node-agent ${nodeId} exited (${JSON.stringify(exit)}) before it was ready:\n${this.pool.output(nodeId)}`);
      }),
    ]);
    return child;
  }

  /** Removes every queue, exchange, stream and consumer of the run's prefix. */
  async cleanUp(): Promise<void> {
    const { transport, prefix, nodeIds } = this.options;
    await brokerEntry(transport).deletePrefix(loadConfig(this.brokerVariables()), prefix, nodeIds);
  }
}
