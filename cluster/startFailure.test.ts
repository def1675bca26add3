import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { baseEnvironment } from "./child.ts";
import { freePort } from "../shared/testing/net.ts";
import { REPO_ROOT } from "./compose.ts";
import { ProcessPool } from "./testing/processes.ts";

const run = promisify(execFile);

/** A port nothing listens on: a broker that is down. */
async function deadUrl(scheme: "amqp" | "nats"): Promise<string> {
  const port = await freePort();
  return scheme === "amqp" ? `amqp://guest:secret@127.0.0.1:${port}` : `nats://127.0.0.1:${port}`;
}

describe("a process that cannot start says why and exits non-zero", () => {
  const pool = new ProcessPool();
  afterEach(() => pool.killAll());

  it("the hub names the bad variable", async () => {
    const hub = pool.start("hub", "hub/main.ts", { QNET_HTTP_PORT: "eighty" });
    expect(await hub.exited).toEqual({ code: 1, signal: null });
    expect(pool.output("hub")).toMatch(/hub: invalid configuration\s+QNET_HTTP_PORT: must be a whole number/);
  });

  it("the hub names the unreachable RabbitMQ URL, without its password, after the retries", async () => {
    const url = await deadUrl("amqp");
    const hub = pool.start("hub", "hub/main.ts", { QNET_TRANSPORT: "amqp", AMQP_URL: url, QNET_CONNECT_RETRIES: "1", QNET_HTTP_PORT: "0" });
    expect(await hub.exited).toEqual({ code: 1, signal: null });
    const out = pool.output("hub");
    expect(out).toContain(`hub: could not start: RabbitMQ at ${url.replace("secret", "***")} could not be reached`);
    expect(out).not.toContain("secret");
  });

  it("a node-agent names the unreachable NATS URL after the retries", async () => {
    const url = await deadUrl("nats");
    const node = pool.start("node", "node-agent/main.ts", {
      QNET_TRANSPORT: "nats",
      NATS_URL: url,
      QNET_CONNECT_RETRIES: "1",
      QNET_NODE_ID: "hospital-z",
    });
    expect(await node.exited).toEqual({ code: 1, signal: null });
    expect(pool.output("node")).toContain(`node-agent: could not start: NATS at ${url} could not be reached`);
  });

  it("a node-agent without an id says it needs one", async () => {
    const node = pool.start("node", "node-agent/main.ts", {});
    expect(await node.exited).toEqual({ code: 1, signal: null });
    expect(pool.output("node")).toMatch(/QNET_NODE_ID: required for a node-agent/);
  });
});

describe("the image's build: tsconfig.build.json compiles runnable JavaScript", () => {
  // Inside the repository, so that the compiled files find node_modules and package.json's "type".
  const outDir = join(REPO_ROOT, ".qnet", `build-test-${process.pid}`);
  afterAll(() => rm(outDir, { recursive: true, force: true }));

  it("the compiled hub starts and reports a bad configuration clearly", async () => {
    const tsc = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
    await run(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", outDir], { cwd: REPO_ROOT }).catch(
      (error: { stdout: string }) => {
        throw new Error(`tsc -p tsconfig.build.json failed:\n${error.stdout}`);
      },
    );
    // The image copies each source folder the build compiles: one left out would fail only in Docker.
    const copied = [...readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8").matchAll(/^COPY ([a-z-]+) \1$/gm)].map((m) => m[1]);
    expect(copied).toEqual(expect.arrayContaining(await readdir(outDir)));

    const failure = await run(process.execPath, [join(outDir, "hub", "main.js")], {
      cwd: REPO_ROOT,
      env: { ...baseEnvironment(), QNET_TRANSPORT: "carrier-pigeon" },
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("hub: invalid configuration\n  QNET_TRANSPORT: must be memory, amqp or nats");
  }, 180_000);
});
