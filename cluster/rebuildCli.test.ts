import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../shared/testing/net.ts";
import { ProcessPool } from "./testing/processes.ts";

describe("npm run rebuild beside a running hub", () => {
  const pool = new ProcessPool();
  let dir: string | undefined;
  afterAll(async () => {
    await pool.killAll();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("finds the hub from the same variables the hub reads, with no QNET_HUB_URL", async () => {
    dir = await mkdtemp(join(tmpdir(), "qnet-rebuild-"));
    const port = await freePort();
    // What a user gives both commands: the hub's port and store, nothing else.
    const env = { QNET_STORE: `pglite:${join(dir, "store")}`, QNET_HTTP_PORT: String(port) };
    pool.start("hub", "hub/main.ts", env);
    await pool.waitForLine("hub", /"hub ready"/, 120_000);

    const rebuild = pool.start("rebuild", "hub/rebuild/main.ts", env);
    const exit = await rebuild.exited;
    const out = pool.output("rebuild");
    expect(out).toContain(`the hub at http://127.0.0.1:${port} shows 0`);
    expect(out).toContain("no difference");
    expect(exit).toEqual({ code: 0, signal: null });
  }, 180_000);
});
