import { loadConfig, requireNodeId } from "../shared/config.ts";
import { createLogger } from "../shared/log.ts";
import { runProcess } from "../shared/process.ts";
import type { Transport } from "../shared/ports/transport.ts";
import { unseededRandom } from "../shared/time/seededRandom.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import { createTransport } from "../shared/transport/mod.ts";
import { NodeAgent } from "./agent.ts";
import { FileLedger, ledgerPath } from "./fileLedger.ts";
import { MemoryLedger } from "./ledger.ts";
import { SiteFaults } from "./siteFaults.ts";

/** `npm run node-agent`: one simulated hospital, configured by the environment of PROTOCOL.md section 7. */
await runProcess("node-agent", async () => {
  const config = loadConfig();
  const nodeId = requireNodeId(config);
  const log = createLogger("node-agent", { level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const clock = systemClock;
  const random = unseededRandom();
  if (config.QNET_TRANSPORT === "memory") log.warn("QNET_TRANSPORT=memory: an in-process broker reaches no hub in another process");
  const connect = (purpose: string) =>
    createTransport(config, {
      clock,
      random,
      log,
      connectionName: purpose === "agent" ? nodeId : `${nodeId}-${purpose}`,
      connectRetries: config.QNET_CONNECT_RETRIES,
    });
  const stateDir = config.QNET_NODE_STATE_DIR;
  const ledger = stateDir ? new FileLedger(ledgerPath(stateDir, nodeId), log) : new MemoryLedger();
  let running: { agent: NodeAgent; transport: Transport } | undefined;
  const stopAgent = async () => {
    const was = running;
    running = undefined;
    await was?.agent.stop().catch(() => undefined);
    await was?.transport.close().catch(() => undefined);
  };
  // A live crash stops the agent and drops its connection; its restart is a new agent over the same ledger.
  const faults: SiteFaults = new SiteFaults({
    nodeId,
    clock,
    random,
    log,
    running: () => running !== undefined,
    crash: stopAgent,
    restart: () => startAgent(),
  });
  const startAgent = async () => {
    const transport = faults.wrap(await connect("agent"));
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
    running = { agent, transport };
  };
  await startAgent();
  const control = await connect("control");
  await faults.listen(control);
  log.info({ nodeId, transport: config.QNET_TRANSPORT, profile: config.QNET_NODE_PROFILE, ledger: ledger.name }, "node agent ready");
  return {
    async stop() {
      await faults.stop();
      await control.close();
      await stopAgent();
    },
  };
});
