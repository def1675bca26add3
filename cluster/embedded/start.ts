import { loadConfig, localApiUrl, type NodeProfileName, requireApiAccess, siteProfile } from "../../shared/config.ts";
import { createLogger } from "../../shared/log.ts";
import { runProcess } from "../../shared/process.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { unseededRandom } from "../../shared/time/seededRandom.ts";
import { createHubStore } from "../../hub/store.ts";
import { PROFILES } from "../../node-agent/profile.ts";
import { banner } from "./banner.ts";
import { EmbeddedNetwork, type EmbeddedNode } from "./network.ts";
import { ProgressBoard } from "./progressBoard.ts";

/** A demo site's profile: the flaky one fails one query in twenty rather than its profile's share, so a demo shows mostly counts. */
function demoProfile(name: NodeProfileName): EmbeddedNode["profile"] {
  return name === "flaky" ? { ...PROFILES.flaky, failure: { ...PROFILES.flaky.failure, chance: 0.05 } } : name;
}

/** `npm start`: the whole network in one process, on the embedded defaults. */
await runProcess("qnet", async () => {
  const config = loadConfig();
  requireApiAccess(config);
  // The terminal belongs to the progress lines; logs below warn go nowhere unless LOG_LEVEL says so.
  const log = createLogger("qnet", {
    level: process.env.LOG_LEVEL ? config.LOG_LEVEL : "warn",
    destination: process.stderr,
    format: config.LOG_FORMAT,
  });
  const clock = systemClock;
  const policy = config.QNET_POLICY;
  const store = await createHubStore(config, clock, log);
  const network = await EmbeddedNetwork.start({
    clock,
    random: unseededRandom(),
    log,
    store,
    prefix: config.QNET_PREFIX,
    nodes: config.QNET_NODES.map((nodeId, i) => ({ nodeId, profile: demoProfile(siteProfile(nodeId, i)) })),
    resultTimeoutMs: config.QNET_RESULT_TIMEOUT_MS,
    heartbeatMs: config.QNET_HEARTBEAT_MS,
    // Demo sites answer ten times faster than their profiles, so a query completes within seconds.
    timeScale: 0.1,
    tokens: config.QNET_API_TOKENS,
    liveFaults: true,
    policy,
  });
  const address = await network.hub.api.listen({ host: config.QNET_HTTP_HOST, port: config.QNET_HTTP_PORT });
  const board = new ProgressBoard(process.stdout);
  network.hub.view.onChange((change) => {
    const view = network.hub.view.get(change.queryId);
    if (view) board.update(view);
  });
  process.stdout.write(
    banner({
      hospitals: config.QNET_NODES.length,
      store: config.QNET_STORE,
      url: localApiUrl(config.QNET_HTTP_HOST, Number(new URL(address).port)),
      tokensRequired: config.QNET_API_TOKENS !== undefined,
      policy,
    }),
  );
  return { stop: () => network.stop() };
});
