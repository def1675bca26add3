import { type Hub, startHub } from "../../hub/hub.ts";
import { loadConfig } from "../../shared/config.ts";
import { createLease } from "../../shared/lease/create.ts";
import { createLogger } from "../../shared/log.ts";
import type { Store } from "../../shared/ports/store.ts";
import type { Transport } from "../../shared/ports/transport.ts";
import { DEFAULT_DATABASE_URL } from "../../shared/store/create.ts";
import { pgClient } from "../../shared/store/sql/pg.ts";
import { SqlStore } from "../../shared/store/sql/sqlStore.ts";
import { unseededRandom } from "../../shared/time/seededRandom.ts";
import { systemClock } from "../../shared/time/systemClock.ts";
import { createTransport } from "../../shared/transport/mod.ts";
import { pictures } from "./evidence.ts";
import { RecordingStore, type ReplicaReport } from "./history.ts";
import { type ApplyPolicy, APPLY_POLICIES, plannerOf } from "./policy.ts";
import { type FromReplica, type ReplicaCall, ReplicaStart, ToReplica, problemOf } from "./replicaWire.ts";
import { SettlementTap } from "./settlements.ts";

/**
 * One hub replica of a scenario run on a real broker, in a process of its own (the runner forks
 * it): a hub over the run's PostgreSQL schema and broker prefix, on its own connection and store
 * client, competing for the duties through the schema's advisory lock. It reports to the runner
 * over IPC what a replica in the runner's process writes straight into the history: every
 * decision of its store, every store step, every settlement, its event stream, and what its view
 * shows. It lives as long as the runner's IPC channel: when the runner is gone, it exits.
 */

const send = (message: FromReplica): void => {
  process.send?.(message);
};

/** Its work, reported over IPC as it happens. */
const report: ReplicaReport = {
  decided: (decision) => send({ type: "decided", decision }),
  committed: (step, at = systemClock.now()) => send({ type: "committed", at, ...step }),
  settled: (s, at = systemClock.now()) =>
    send({ type: "settled", at, messageId: s.messageId, envelope: s.type, how: s.how, reason: s.reason }),
};

interface Running {
  hub: Hub;
  transport: Transport;
  store: Store;
  timer: NodeJS.Timeout;
}

async function start(settings: ReplicaStart): Promise<Running> {
  const config = loadConfig({ ...settings.env, QNET_PREFIX: settings.prefix });
  // A broker in this process alone: the replica would send and hear nothing of the run's.
  if (config.QNET_TRANSPORT === "memory") throw new Error("a replica process needs the run's real broker, not QNET_TRANSPORT=memory");
  const policy = settings.policy as ApplyPolicy;
  if (!APPLY_POLICIES.includes(policy)) throw new Error(`unknown policy ${settings.policy}`);
  const clock = systemClock;
  const random = unseededRandom();
  const log = createLogger(`hub-${settings.replica}`, { level: "warn", format: "json", destination: process.stderr });
  const databaseUrl = config.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const sql = new SqlStore({
    client: pgClient(databaseUrl, log),
    clock,
    schema: settings.schema,
    log,
    ownsClient: true,
    planner: plannerOf(policy),
  });
  const store = new RecordingStore(sql, report, clock);
  const label = `hub-${settings.replica}`;
  const raw = await createTransport(config, { clock, random, log, connectionName: label });
  const transport = new SettlementTap(raw, (s) => report.settled(s));
  const hub = await startHub({
    transport,
    store,
    clock,
    random,
    log,
    nodeIds: settings.nodeIds,
    resultTimeoutMs: settings.resultTimeoutMs,
    heartbeatMs: settings.heartbeatMs,
    prefetch: 256,
    feedPollMs: settings.feedPollMs,
    lease: createLease("postgres", { databaseUrl, schema: settings.schema, log }),
  });
  // The events of the view as it started first, as a client that reads the stream from its beginning gets them.
  const started = hub.events.since("0");
  if (started.kind === "events") for (const event of started.events) send({ type: "frame", frame: event.frame });
  hub.events.subscribe((event) => send({ type: "frame", frame: event.frame }));
  const timer = setInterval(() => {
    const reads = Object.fromEntries(
      hub.view.queryIds().flatMap((id) => {
        const read = hub.view.get(id);
        return read ? [[id, { status: read.status, nodes: read.nodes }]] : [];
      }),
    );
    send({ type: "reads", reads });
  }, settings.pollMs);
  return { hub, transport, store, timer };
}

async function answer(running: Running, call: ReplicaCall): Promise<unknown> {
  const { hub } = running;
  switch (call.op) {
    case "submit":
      return hub.desk.submit({ definition: call.definition, researcherId: "scenario" });
    case "final":
      await hub.feed.catchUp();
      return pictures(hub.view, call.queryIds);
    case "quiesce":
      await hub.stop();
      return null;
    case "stop":
      clearInterval(running.timer);
      await hub.stop();
      await running.transport.close();
      await running.store.close();
      return null;
  }
}

/** Tells the runner, then exits: nothing of this process outlives what went wrong. */
function fail(error: string): void {
  if (process.connected) process.send?.({ type: "failed", error } satisfies FromReplica, () => process.exit(1));
  else process.exit(1);
}

let running: Promise<Running> | undefined;
process.on("disconnect", () => process.exit(1));
process.on("message", (raw: unknown) => {
  const parsed = ToReplica.safeParse(raw);
  if (!parsed.success) return fail(`the runner sent what is not a replica message (${problemOf(parsed.error)})`);
  const message = parsed.data;
  if (message.type === "start") {
    if (running) return fail("started twice");
    running = start(ReplicaStart.parse(message));
    running.then(
      () => send({ type: "ready", pid: process.pid }),
      (err: unknown) => fail(`could not start: ${err instanceof Error ? err.message : String(err)}`),
    );
    return;
  }
  const { id, call } = message;
  if (!running) return fail("asked before it was started");
  running
    .then((r) => answer(r, call))
    .then(
      (value) => {
        if (call.op === "stop") process.send?.({ type: "answer", id, value } satisfies FromReplica, () => process.exit(0));
        else send({ type: "answer", id, value });
      },
      (err: unknown) => send({ type: "refused", id, error: err instanceof Error ? err.message : String(err) }),
    );
});
