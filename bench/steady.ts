import { setTimeout as sleep } from "node:timers/promises";
import { startHub } from "../hub/hub.ts";
import { silentLogger } from "../shared/log.ts";
import type { ResultState } from "../shared/protocol/items.ts";
import { SERVICES } from "../shared/testing/services.ts";
import { createStore } from "../shared/store/create.ts";
import { pgClient } from "../shared/store/sql/pg.ts";
import { dropSchema } from "../shared/store/sql/schema.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import { type BrokerName, benchPrefix, connectBroker, deleteBrokerPrefix } from "./brokers.ts";
import { runChild, wallNow } from "./child.ts";
import type { LoadOrder, LoadReport } from "./steadyLoad.ts";
import { steadyWorkload } from "./steadyWorkload.ts";

export interface SteadySize {
  /** Offered result-updates per second. */
  rate: number;
  seconds: number;
  nodes: number;
  /** Consumer prefetch of the hub: its default configuration. */
  prefetch: number;
}

export interface SteadyRun {
  offered: number;
  /** Messages per second the publisher achieved. */
  achievedRate: number;
  /** Publish-to-view latency of each message whose change the view showed, ms. */
  latencies: number[];
  /** Messages whose change never showed within the grace period. */
  missing: number;
  /** GET /api/queries/:id latencies, ms, when readers ran. */
  reads: number[];
  readErrors: number;
}

const GRACE_MS = 10_000;
const SEED_BATCH = 2_000;
const POLL_MS = 50;

/**
 * The hub over a real broker and PostgreSQL, in this process, fed at a steady offered rate by a
 * node-side publisher in a child process (bench/steadyLoad.ts), as nodes are in a real network.
 * Every message moves one result one step, so each shows in the view exactly once. With a
 * reader, the child also asks GET /api/queries/:id over loopback HTTP all the while.
 */
export async function steadyRun(broker: BrokerName, size: SteadySize, withReader: boolean): Promise<SteadyRun> {
  return steady(broker, size, withReader ? "hub+reader" : "hub");
}

/**
 * The broker's own publish-to-consume latency under the same load: a bare consumer that parses
 * each message and acks it. The floor the hub's latency is read against.
 */
export function bareSteadyRun(broker: BrokerName, size: SteadySize): Promise<SteadyRun> {
  return steady(broker, size, "bare");
}

async function steady(broker: BrokerName, size: SteadySize, consumer: "hub" | "hub+reader" | "bare"): Promise<SteadyRun> {
  const workload = steadyWorkload({ broker, ...size });
  const prefix = benchPrefix(`steady-${broker}`);
  const schema = prefix.replace(/-/g, "_");
  const store = await createStore("postgres", { clock: systemClock, databaseUrl: SERVICES.postgres.url, schema });
  const hubTransport = await connectBroker(broker, prefix, size.prefetch, "bench-steady-hub");
  try {
    await store.open();
    for (let i = 0; i < workload.seed.length; i += SEED_BATCH) await store.apply(workload.seed.slice(i, i + SEED_BATCH));
    // Wall-clock time each state showed in the view (or reached the bare consumer), matched to its publish time afterwards.
    const shownAt = new Map<string, number>();
    const seen = (s: ResultState) => shownAt.set(`${s.id}@${s.versionInfo.itemVersion}`, wallNow());
    let stop: () => Promise<void>;
    let apiAddress: string | undefined;
    if (consumer === "bare") {
      await hubTransport.declare({ role: "hub", nodeIds: workload.nodeIds });
      const sub = await hubTransport.consume(
        { from: "hub" },
        async (d) => {
          seen((JSON.parse(Buffer.from(d.body).toString("utf8")) as { result: ResultState }).result);
          await d.ack();
        },
        { prefetch: size.prefetch },
      );
      stop = () => sub.stop();
    } else {
      const hub = await startHub({
        transport: hubTransport,
        store,
        clock: systemClock,
        random: new SeededRandom("bench-steady"),
        log: silentLogger,
        nodeIds: workload.nodeIds,
        resultTimeoutMs: 3_600_000,
        heartbeatMs: 60_000,
        prefetch: size.prefetch,
      });
      hub.view.onChange((c) => {
        if (c.kind === "result") seen(c.state as ResultState);
      });
      if (consumer === "hub+reader") apiAddress = await hub.api.listen({ host: "127.0.0.1", port: 0 });
      stop = () => hub.stop();
    }
    const order: LoadOrder = {
      broker,
      prefix,
      rate: size.rate,
      seconds: size.seconds,
      nodes: size.nodes,
      prefetch: size.prefetch,
      apiAddress,
    };
    const load = await runChild<LoadReport>("./steadyLoad.ts", [JSON.stringify(order)]);
    const keys = load.publishedAt.map((_, i) => {
      const m = workload.messages[i] as (typeof workload.messages)[number];
      return `${m.resultId}@${m.itemVersion}`;
    });
    const unseen = () => keys.filter((key) => !shownAt.has(key)).length;
    const graceEnd = performance.now() + GRACE_MS;
    while (unseen() > 0 && performance.now() < graceEnd) await sleep(POLL_MS);
    await stop();
    const latencies: number[] = [];
    load.publishedAt.forEach((at, i) => {
      const shown = shownAt.get(keys[i] as string);
      if (shown !== undefined) latencies.push(shown - at);
    });
    return {
      offered: load.publishedAt.length,
      achievedRate: load.achievedRate,
      latencies,
      missing: load.publishedAt.length - latencies.length,
      reads: load.reads,
      readErrors: load.readErrors,
    };
  } finally {
    await hubTransport.close();
    await store.close();
    const client = pgClient(SERVICES.postgres.url);
    await dropSchema(client, schema).finally(() => client.close());
    await deleteBrokerPrefix(broker, prefix, workload.nodeIds);
  }
}
