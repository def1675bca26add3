import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach } from "vitest";
import { loadConfig } from "../../shared/config.ts";
import { pgClient } from "../../shared/store/sql/pg.ts";
import { dropSchema } from "../../shared/store/sql/schema.ts";
import { freePort } from "../../shared/testing/net.ts";
import { SERVICES, uniquePrefix } from "../../shared/testing/services.ts";
import { brokerEntry } from "../../shared/transport/mod.ts";
import { networkCredentials } from "../../trust/credentials.ts";
import { deleteRabbitUsers } from "../../trust/rabbitmq.ts";
import type { Child } from "../child.ts";
import { ProcessPool } from "./processes.ts";

export interface TestRunOptions {
  transport: "amqp" | "nats";
  /** Every node id the run's processes may use: their queues on the broker go with the prefix. */
  nodeIds: readonly string[];
  /** Where the hub's record lives: in the run's PostgreSQL schema (the default), or a PGlite folder in the state folder. */
  store?: "postgres" | "pglite";
}

export interface ClusterOptions {
  /** `--auth`: every process connects as its own broker user. */
  auth?: boolean;
  /** `--hubs N`: N hub replicas behind the balancer. */
  hubs?: number;
}

/**
 * What one integration run owns, made and removed in one place: its processes, a broker prefix and
 * a PostgreSQL schema of its own (named after the prefix), a state folder, and on RabbitMQ the users
 * an --auth cluster makes. cleanUp() removes whatever of it was made, whatever the test did.
 */
export class TestRun {
  readonly pool = new ProcessPool();
  readonly prefix: string;
  readonly schema: string;
  private dir: string | undefined;
  private brokerUsers = false;

  constructor(
    /** Names the prefix, and the launcher's process in the pool. */
    readonly label: string,
    readonly options: TestRunOptions,
  ) {
    this.prefix = uniquePrefix(label);
    this.schema = this.prefix.replace(/-/g, "_");
  }

  /** The run's own folder, made when first asked for: a suite that is skipped leaves none behind. */
  get stateDir(): string {
    this.dir ??= mkdtempSync(join(tmpdir(), `qnet-${this.prefix}-`));
    return this.dir;
  }

  /** What puts a qnet process on this run's broker prefix and schema, with the services' addresses (PROTOCOL.md section 7). */
  env(): Record<string, string> {
    return {
      QNET_TRANSPORT: this.options.transport,
      AMQP_URL: SERVICES.amqp.url,
      NATS_URL: SERVICES.nats.url,
      DATABASE_URL: SERVICES.postgres.url,
      QNET_PREFIX: this.prefix,
      QNET_DB_SCHEMA: this.schema,
    };
  }

  /**
   * Starts `npm run cluster` with the variables docker-compose.yml interpolates (everything else
   * comes from the file), its volumes in the state folder and the sites twenty times faster than
   * their profiles; answers the port the API is published on.
   */
  async startCluster(options: ClusterOptions = {}): Promise<{ cluster: Child; port: number }> {
    const port = await freePort();
    const env = {
      QNET_TRANSPORT: this.options.transport,
      QNET_PREFIX: this.prefix,
      QNET_DB_SCHEMA: this.schema,
      QNET_HTTP_PORT: String(port),
      QNET_NODE_TIME_SCALE: "0.05",
    };
    const args = ["--state-dir", this.stateDir];
    if (options.auth) args.push("--auth");
    if (options.hubs !== undefined) args.push("--hubs", String(options.hubs));
    this.brokerUsers ||= options.auth === true;
    return { cluster: this.pool.start(this.label, "cluster/main.ts", env, args), port };
  }

  /**
   * Kills every process first, so that none declares anything again, then removes the prefix from
   * the broker, the users an --auth cluster killed before its own clean-up left on RabbitMQ, the
   * schema and the state folder. Every step is tried; the first failure is thrown at the end.
   */
  async cleanUp(): Promise<void> {
    await this.pool.killAll();
    const { transport, nodeIds, store = "postgres" } = this.options;
    const steps: (() => Promise<void>)[] = [
      () =>
        brokerEntry(transport).deletePrefix(loadConfig({ AMQP_URL: SERVICES.amqp.url, NATS_URL: SERVICES.nats.url }), this.prefix, nodeIds),
    ];
    if (this.brokerUsers && transport === "amqp")
      // Deleting needs the users' names alone, which do not depend on the secret.
      steps.push(() => deleteRabbitUsers(networkCredentials({ prefix: this.prefix, nodeIds, secret: "names-only-0123456789" })));
    if (store === "postgres")
      steps.push(async () => {
        const client = pgClient(SERVICES.postgres.url);
        await dropSchema(client, this.schema).finally(() => client.close());
      });
    const dir = this.dir;
    if (dir) steps.push(() => rm(dir, { recursive: true, force: true }));
    const failures: unknown[] = [];
    for (const step of steps) await step().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  }
}

/** For a suite whose tests share one run: cleaned up after the last of them. */
export function suiteRun(label: string, options: TestRunOptions, timeoutMs = 60_000): TestRun {
  const run = new TestRun(label, options);
  afterAll(() => run.cleanUp(), timeoutMs);
  return run;
}

/** For a suite whose tests start runs of their own: each is cleaned up after its test. */
export function runsPerTest(options: TestRunOptions, timeoutMs = 60_000): (label: string) => TestRun {
  const runs: TestRun[] = [];
  afterEach(async () => {
    for (const run of runs.splice(0)) await run.cleanUp();
  }, timeoutMs);
  return (label) => {
    const run = new TestRun(label, options);
    runs.push(run);
    return run;
  };
}
