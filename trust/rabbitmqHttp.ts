import type { RabbitGrant, RabbitUserAdmin } from "./rabbitmq.ts";

/** fetch refuses a URL with credentials: they travel as basic auth instead. */
function endpoint(url: string): { root: string; shown: string; authorization: string } {
  const base = new URL(url);
  const login = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
  const shown = `${base.origin}${base.pathname.replace(/\/+$/, "")}`;
  return { root: `${shown}/api`, shown, authorization: `Basic ${Buffer.from(login).toString("base64")}` };
}

/** Whether the management API answers at `url` and lets its user in (the plugin may be off). */
export async function managementApiAnswers(url: string): Promise<boolean> {
  const { root, authorization } = endpoint(url);
  try {
    const response = await fetch(`${root}/whoami`, { headers: { authorization } });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * User administration through RabbitMQ's management HTTP API (the rabbitmq_management plugin), for a
 * broker on another machine or in another container, where rabbitmqctl cannot reach. `url` is the
 * API's base with an administrator in its userinfo, e.g. `http://guest:guest@rabbitmq:15672`.
 */
export function managementApiAdmin(url: string): RabbitUserAdmin {
  const { root, shown, authorization } = endpoint(url);

  async function call(method: "PUT" | "DELETE", path: string, body?: unknown, absentIsFine = false): Promise<void> {
    let response: Response;
    try {
      response = await fetch(`${root}${path}`, {
        method,
        headers: { authorization, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new Error(`RabbitMQ management API at ${shown} unreachable: ${(err as Error).message}`);
    }
    if (response.ok || (absentIsFine && response.status === 404)) return;
    const text = (await response.text().catch(() => "")).slice(0, 300);
    throw new Error(`RabbitMQ management API ${method} /api${path} failed: ${response.status} ${text}`);
  }

  const e = encodeURIComponent;
  return {
    async putUser(user: string, pass: string) {
      await call("PUT", `/users/${e(user)}`, { password: pass, tags: "" });
    },
    async grant(vhost: string, grant: RabbitGrant) {
      const { configure, write, read } = grant;
      await call("PUT", `/permissions/${e(vhost)}/${e(grant.user)}`, { configure, write, read });
      await call("DELETE", `/topic-permissions/${e(vhost)}/${e(grant.user)}`, undefined, true);
      for (const t of grant.topics) await call("PUT", `/topic-permissions/${e(vhost)}/${e(grant.user)}`, t);
    },
    async deleteUser(user: string) {
      await call("DELETE", `/users/${e(user)}`, undefined, true);
    },
  };
}
