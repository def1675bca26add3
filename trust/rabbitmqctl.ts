import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { RabbitGrant, RabbitUserAdmin } from "./rabbitmq.ts";

const run = promisify(execFile);

async function rabbitmqctl(args: string[]): Promise<void> {
  try {
    await run("rabbitmqctl", ["--quiet", ...args]);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`rabbitmqctl ${args[0]} failed: ${(e.stderr || e.message).trim()}`);
  }
}

/** User administration with rabbitmqctl, which only works on the broker's own machine. */
export function rabbitmqctlAdmin(): RabbitUserAdmin {
  return {
    async putUser(user: string, pass: string) {
      try {
        await rabbitmqctl(["add_user", user, pass]);
      } catch (err) {
        if (!/already exists|user_already_exists/i.test((err as Error).message)) throw err;
        await rabbitmqctl(["change_password", user, pass]);
      }
    },
    async grant(vhost: string, grant: RabbitGrant) {
      await rabbitmqctl(["set_permissions", "-p", vhost, grant.user, grant.configure, grant.write, grant.read]);
      await rabbitmqctl(["clear_topic_permissions", "-p", vhost, grant.user]);
      for (const t of grant.topics) await rabbitmqctl(["set_topic_permissions", "-p", vhost, grant.user, t.exchange, t.write, t.read]);
    },
    async deleteUser(user: string) {
      await rabbitmqctl(["delete_user", user]).catch((err: Error) => {
        if (!/no_such_user|does not exist/i.test(err.message)) throw err;
      });
    },
  };
}
