import { loadConfig, requireNodeId } from "../shared/config.ts";
import { createLogger } from "../shared/log.ts";
import { runProcess } from "../shared/process.ts";
import { unseededRandom } from "../shared/time/seededRandom.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import { createTransport } from "../shared/transport/mod.ts";
import { NodeAgent } from "./agent.ts";
import { FileLedger, ledgerPath } from "./fileLedger.ts";
import { MemoryLedger } from "./ledger.ts";

/** `npm run node-agent`: one simulated hospital, configured by the environment of PROTOCOL.md section 7. */
await runProcess("node-agent", async () => {
  const config = loadConfig();
  const nodeId = requireNodeId(config);
  const log = createLogger("node-agent", { level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const clock = systemClock;
  const random = unseededRandom();
  if (config.QNET_TRANSPORT === "memory") log.warn("QNET_TRANSPORT=memory: an in-process broker reaches no hub in another process");
  const transport = await createTransport(config, {
    clock,
    random,
    log,
    connectionName: nodeId,
    connectRetries: config.QNET_CONNECT_RETRIES,
  });
  const stateDir = config.QNET_NODE_STATE_DIR;
  const ledger = stateDir ? new FileLedger(ledgerPath(stateDir, nodeId), log) : new MemoryLedger();
  const agent = new NodeAgent({
    nodeId,
    transport,
    clock,
    random,
    profile: config.QNET_NODE_PROFILE,
    seed: config.QNET_NODE_SEED ?? nodeId,
    populationSize: config.QNET_NODE_POPULATION,
    ledger,
    log,
    heartbeatMs: config.QNET_HEARTBEAT_MS,
    timeScale: config.QNET_NODE_TIME_SCALE,
    prefetch: config.QNET_PREFETCH,
  });
  await agent.start();
  log.info({ nodeId, transport: config.QNET_TRANSPORT, profile: config.QNET_NODE_PROFILE, ledger: ledger.name }, "node agent ready");
  return {
    async stop() {
      await agent.stop();
      await transport.close();
    },
  };
});
