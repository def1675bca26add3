import amqp from "amqplib";
import { afterAll, expect, it } from "vitest";
import { describeWith, SERVICES, uniquePrefix } from "../shared/testing/services.ts";
import { brokerEnv, networkCredentials } from "./credentials.ts";
import { createRabbitUsers, deleteRabbitUsers, networkGrants, type RabbitUserAdmin } from "./rabbitmq.ts";
import { rabbitmqctlAdmin } from "./rabbitmqctl.ts";
import { managementApiAdmin } from "./rabbitmqHttp.ts";

const management = new URL(SERVICES.rabbitmqManagement.url);

/** A user's permissions and topic permissions on "/", as the management API reports them; undefined when the user is gone. */
async function stateOf(user: string): Promise<unknown> {
  const auth = `Basic ${Buffer.from(`${management.username}:${management.password}`).toString("base64")}`;
  const get = async (path: string) => {
    const r = await fetch(`${management.origin}/api${path}`, { headers: { authorization: auth } });
    return r.status === 404 ? undefined : ((await r.json()) as Record<string, unknown>);
  };
  const u = encodeURIComponent(user);
  const who = await get(`/users/${u}`);
  if (!who) return undefined;
  const p = (await get(`/permissions/%2F/${u}`)) ?? {};
  const topics = ((await get(`/topic-permissions/%2F/${u}`)) ?? []) as unknown as Record<string, string>[];
  return {
    tags: who.tags,
    configure: p.configure,
    write: p.write,
    read: p.read,
    topics: topics
      .map((t) => ({ exchange: t.exchange, write: t.write, read: t.read }))
      .sort((a, b) => String(a.exchange).localeCompare(String(b.exchange))),
  };
}

async function logsIn(url: string): Promise<boolean> {
  try {
    const conn = await amqp.connect(url);
    await conn.close();
    return true;
  } catch {
    return false;
  }
}

await describeWith(["amqp", "rabbitmqManagement"], "RabbitMQ users through the management HTTP API", () => {
  const prefix = uniquePrefix("users-http");
  const credentials = networkCredentials({ prefix, nodeIds: ["site-a", "site-b"], secret: "users-http-test-secret-0123" });
  const users = [credentials.hub, ...credentials.nodes.values()];
  const http = managementApiAdmin(SERVICES.rabbitmqManagement.url);
  const ctl = rabbitmqctlAdmin();

  afterAll(async () => {
    await deleteRabbitUsers(credentials, http);
  });

  const made = async (admin: RabbitUserAdmin) => {
    await createRabbitUsers(credentials, admin);
    return Promise.all(users.map((c) => stateOf(c.user)));
  };

  it("makes the same users, permissions and topic permissions as rabbitmqctl, and each logs in with its own password only", async () => {
    const byHttp = await made(http);
    for (const [i, grant] of networkGrants(credentials).entries()) {
      expect(byHttp[i]).toEqual({
        tags: [],
        configure: grant.configure,
        write: grant.write,
        read: grant.read,
        topics: [...grant.topics].sort((a, b) => a.exchange.localeCompare(b.exchange)),
      });
    }
    await deleteRabbitUsers(credentials, http);
    expect(await made(ctl)).toEqual(byHttp);

    // Setting up again over existing users (a second `docker compose up`) takes the API's path too.
    expect(await made(http)).toEqual(byHttp);
    const [a, b] = [...credentials.nodes.values()];
    expect(await logsIn(brokerEnv(a!, { amqpHost: new URL(SERVICES.amqp.url).host }).AMQP_URL)).toBe(true);
    expect(await logsIn(brokerEnv({ user: a!.user, pass: b!.pass }, { amqpHost: new URL(SERVICES.amqp.url).host }).AMQP_URL)).toBe(false);
  });

  it("deletes every user of the network, and deleting again is fine", async () => {
    await createRabbitUsers(credentials, http);
    await deleteRabbitUsers(credentials, http);
    await deleteRabbitUsers(credentials, http);
    for (const c of users) expect(await stateOf(c.user)).toBeUndefined();
  });

  it("says which request failed and why", async () => {
    const wrong = new URL(SERVICES.rabbitmqManagement.url);
    wrong.password = "not-the-password";
    await expect(managementApiAdmin(wrong.href).putUser(`${prefix}.x`, "p")).rejects.toThrow(/PUT \/api\/users\/.* failed: 401/);
  });
});
