import { loadConfig, requireApiAccess } from "../shared/config.ts";
import { createLease } from "../shared/lease/create.ts";
import { createLogger } from "../shared/log.ts";
import { runProcess } from "../shared/process.ts";
import { createTransport } from "../shared/transport/mod.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import { unseededRandom } from "../shared/time/seededRandom.ts";
import { startHub } from "./hub.ts";
import { createHubStore, warnIfNaive } from "./store.ts";

/** `npm run hub`: the hub alone, configured by the environment of PROTOCOL.md section 7. */
await runProcess("hub", async () => {
  const config = loadConfig();
  requireApiAccess(config);
  const log = createLogger("hub", { level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const clock = systemClock;
  const random = unseededRandom();
  const policy = config.QNET_POLICY;
  const store = await createHubStore(config, clock, log);
  const transport = await createTransport(config, {
    clock,
    random,
    log,
    connectionName: "hub",
    connectRetries: config.QNET_CONNECT_RETRIES,
  });
  const hub = await startHub({
    transport,
    store,
    clock,
    random,
    log,
    nodeIds: config.QNET_NODES,
    resultTimeoutMs: config.QNET_RESULT_TIMEOUT_MS,
    heartbeatMs: config.QNET_HEARTBEAT_MS,
    prefetch: config.QNET_PREFETCH,
    tokens: config.QNET_API_TOKENS,
    policy,
    // Replicas over one PostgreSQL schema share the duties through an advisory lock on it.
    lease: createLease(config.QNET_STORE, { databaseUrl: config.DATABASE_URL, schema: config.QNET_DB_SCHEMA, log }),
  });
  const address = await hub.api.listen({ host: config.QNET_HTTP_HOST, port: config.QNET_HTTP_PORT });
  log.info({ address, transport: config.QNET_TRANSPORT, store: config.QNET_STORE, nodes: config.QNET_NODES }, "hub ready");
  // Again after "hub ready", so the last lines of a naive hub's start say what it is.
  warnIfNaive(log, policy);
  return {
    async stop() {
      await hub.stop();
      await transport.close();
      await store.close();
    },
  };
});
