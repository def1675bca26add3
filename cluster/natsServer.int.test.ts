import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { afterEach, describe, expect, it } from "vitest";
import { networkCredentials } from "../trust/credentials.ts";
import { natsAuthorization } from "../trust/nats.ts";
import { type LocalNatsServer, startLocalNatsServer } from "./natsServer.ts";

const BINARY = process.env.NATS_SERVER_BINARY ?? "/usr/sbin/nats-server";
const inCi = process.env.CI === "true" || process.env.CI === "1";
const suite = existsSync(BINARY) || inCi ? describe : describe.skip;

suite("the launcher's own nats-server", () => {
  let dir: string | undefined;
  let server: LocalNatsServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("listens on the port it picked, with the authorization its config includes", async () => {
    dir = await mkdtemp(join(tmpdir(), "qnet-nats-"));
    const credentials = networkCredentials({ prefix: "lns", nodeIds: ["site-a"], secret: "local-nats-secret-0123456789" });
    await writeFile(join(dir, "authorization.conf"), natsAuthorization(credentials));
    await writeFile(join(dir, "qnet.conf"), 'include "authorization.conf"\n');
    const lines: string[] = [];
    server = await startLocalNatsServer({
      binary: BINARY,
      configFile: join(dir, "qnet.conf"),
      storeDir: join(dir, "js"),
      onLine: (l) => lines.push(l),
    });
    expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    expect(lines.join("\n")).toMatch(/Server is ready/);

    const servers = server.url;
    await expect(connect({ servers, reconnect: false })).rejects.toThrow(/Authorization/i);
    const hub = await connect({ servers, user: credentials.hub.user, pass: credentials.hub.pass, reconnect: false });
    await hub.close();
  });

  it("fails with the server's own words when its config is bad, and names a missing binary", async () => {
    dir = await mkdtemp(join(tmpdir(), "qnet-nats-"));
    await writeFile(join(dir, "qnet.conf"), 'include "missing.conf"\n');
    const options = { configFile: join(dir, "qnet.conf"), storeDir: join(dir, "js"), onLine: () => {} };
    await expect(startLocalNatsServer({ binary: BINARY, ...options })).rejects.toThrow(/exited before it was ready:[\s\S]*missing\.conf/);
    await expect(startLocalNatsServer({ binary: join(dir, "no-such-nats-server"), ...options })).rejects.toThrow(
      /could not start: .*ENOENT/,
    );
  });
});
