import { writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { oneOf } from "../shared/transport/mod.ts";
import { deleteRabbitUsers } from "../trust/rabbitmq.ts";
import { rabbitmqctlAdmin } from "../trust/rabbitmqctl.ts";
import { managementApiAdmin, managementApiAnswers } from "../trust/rabbitmqHttp.ts";
import { BROKER_USERS_ENTRY, brokerNetwork } from "./brokerAuth.ts";
import type { ComposeFile, LocalPlacement } from "./compose.ts";
import { type LocalNatsServer, startLocalNatsServer } from "./natsServer.ts";

/**
 * What `npm run cluster -- --auth` does on the broker in use so that every process connects as its
 * own user (docs/trust.md): the compose file's broker users service makes the users, and this
 * prepares it for the broker, finishes what the broker needs before the processes start, and undoes
 * it all when they stopped.
 */
export interface LocalBrokerAuth {
  /** Who makes the users, for the launcher's first lines. */
  readonly madeBy: string;
  /** The broker users service's environment, made fit for this broker and this machine. */
  setupEnvironment(env: Record<string, string>): void;
  /** After the users were made, before the processes start. */
  afterSetup(setupEnv: Record<string, string>): Promise<void>;
  /** After the processes stopped: answers whether what it made is gone. */
  tearDown(): Promise<boolean>;
}

export interface LocalAuthContext {
  compose: ComposeFile;
  secret: string;
  interpolation: Record<string, string | undefined>;
  placement: LocalPlacement;
  /** The management API URL the compose file gives the broker users service, moved to this machine. */
  managementUrl: string | undefined;
  natsServerBinary: string;
  /** A line of the launcher's output, after a service's name. */
  write: (name: string, line: string) => void;
}

/** Without --auth there is no user to make: the setup runs with auth off, on no broker's admin interface. */
export const NO_AUTH: LocalBrokerAuth = {
  madeBy: "nobody",
  setupEnvironment: (env) => delete env.QNET_RABBITMQ_MANAGEMENT_URL,
  afterSetup: async () => {},
  tearDown: async () => true,
};

/** RabbitMQ: users through its management API as in compose when it answers on this machine, else rabbitmqctl; deleted on exit. */
async function rabbitmqAuth(context: LocalAuthContext): Promise<LocalBrokerAuth> {
  const { managementUrl: url } = context;
  const managementUrl = url && (await managementApiAnswers(url)) ? url : undefined;
  return {
    madeBy: managementUrl ? "the management API" : "rabbitmqctl",
    setupEnvironment: (env) => {
      if (managementUrl === undefined) delete env.QNET_RABBITMQ_MANAGEMENT_URL;
    },
    afterSetup: async () => {},
    tearDown: async () => {
      try {
        const admin = managementUrl ? managementApiAdmin(managementUrl) : rabbitmqctlAdmin();
        await deleteRabbitUsers(brokerNetwork(context.compose, context.secret, context.interpolation), admin);
        context.write("cluster", "broker users deleted");
        return true;
      } catch (err) {
        context.write("cluster", `could not delete the broker users: ${(err as Error).message}`);
        return false;
      }
    },
  };
}

/**
 * NATS: the shared server's authorization cannot be switched on at run time, so the cluster gets a
 * nats-server of its own, on a port it picks, loading the authorization the setup wrote.
 */
async function natsAuth(context: LocalAuthContext): Promise<LocalBrokerAuth> {
  let server: LocalNatsServer | undefined;
  return {
    madeBy: "a nats-server of this cluster",
    setupEnvironment: (env) => {
      delete env.QNET_RABBITMQ_MANAGEMENT_URL;
      env.QNET_SKIP_RABBITMQ = "1";
    },
    afterSetup: async (setupEnv) => {
      const authFile = setupEnv.QNET_NATS_AUTH_FILE;
      if (!authFile) throw new Error(`no service runs ${BROKER_USERS_ENTRY} with QNET_NATS_AUTH_FILE: the NATS users are unknown`);
      const dir = context.placement.volumeDir("nats-server");
      const configFile = join(dir, "qnet.conf");
      // nats-server resolves an include relative to the including file, and reads a leading "/" as relative too.
      writeFileSync(configFile, `include "${relative(dirname(configFile), authFile)}"\n`);
      server = await startLocalNatsServer({
        binary: context.natsServerBinary,
        configFile,
        storeDir: join(dir, "jetstream"),
        onLine: (line) => {
          if (/\[(ERR|WRN|FTL)\]/.test(line)) context.write("nats", line);
        },
      });
      context.placement.addresses = { nats: new URL(server.url).host };
      context.write("cluster", `nats-server of this cluster with the network's users at ${server.url}`);
    },
    tearDown: async () => {
      await server?.stop();
      return true;
    },
  };
}

/**
 * The brokers whose users the launcher can set up, by their registry name. Per-process users rest
 * on a broker's own permission model (trust/), so a broker of the registry without a line here
 * runs the cluster without --auth only.
 */
const BY_BROKER: Readonly<Record<string, (context: LocalAuthContext) => Promise<LocalBrokerAuth>>> = {
  amqp: rabbitmqAuth,
  nats: natsAuth,
};

/** How --auth works on the broker; throws naming the brokers it works on when this one has none. */
export function localBrokerAuth(broker: string, context: LocalAuthContext): Promise<LocalBrokerAuth> {
  const auth = BY_BROKER[broker];
  if (!auth) throw new Error(`--auth: per-process users are set up on ${oneOf(Object.keys(BY_BROKER))} only, not on ${broker}`);
  return auth(context);
}
