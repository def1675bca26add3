import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { MAX_HUBS } from "../shared/config.ts";
import { BALANCER_CONFIG, balancerLayout, localBalancerConfig } from "./balancer.ts";

const run = promisify(execFile);
const text = readFileSync(BALANCER_CONFIG, "utf8");
const replicas = [
  { name: "hub-1", port: 40001 },
  { name: "hub-2", port: 40002 },
  { name: "hub-3", port: 40003 },
];

// CI installs Debian's haproxy (.ci/run); elsewhere its check is skipped, and says so.
const haproxy = await run("haproxy", ["-v"]).then(
  () => true,
  () => false,
);
if (!haproxy && process.env.CI !== "true") console.warn("SKIPPING haproxy -c: no haproxy on this machine (apt-get install haproxy)");

describe("the balancer's configuration (cluster/haproxy.cfg)", () => {
  it("fronts port 8080 and has a slot for each replica compose may run, checked on /readyz", () => {
    expect(balancerLayout(text)).toEqual({ bindPort: 8080, template: { host: "hub", port: 8080, slots: MAX_HUBS } });
    expect(text).toMatch(/^\s*option httpchk GET \/readyz$/m);
  });

  it("made local: binds the published address, sends to one server per replica on loopback, and needs no compose DNS", () => {
    const local = localBalancerConfig(text, { host: "127.0.0.1", port: 18080 }, replicas);
    expect(local).toMatch(/^\s*bind 127\.0\.0\.1:18080$/m);
    expect(local.match(/^\s*server .*$/gm)?.map((l) => l.trim())).toEqual([
      "server hub-1 127.0.0.1:40001",
      "server hub-2 127.0.0.1:40002",
      "server hub-3 127.0.0.1:40003",
    ]);
    expect(local).not.toMatch(/resolvers|server-template|127\.0\.0\.11/);
    // Everything else stays as the file says: timeouts, health checks, balancing.
    for (const kept of ["timeout client 60s", "option redispatch", "balance leastconn", "default-server check inter 1s fall 2 rise 2"])
      expect(local).toContain(kept);
  });

  it("refuses a configuration without a frontend port or a server template, by name", () => {
    expect(() => balancerLayout(text.replace(/^\s*bind .*$/m, ""))).toThrow(/no `bind \[host\]:<port>` line/);
    expect(() => localBalancerConfig(text.replace(/^\s*server-template .*$/m, ""), { host: "127.0.0.1", port: 1 }, replicas)).toThrow(
      /no `server-template/,
    );
  });

  it.runIf(haproxy || process.env.CI === "true")("is valid for haproxy, as written and made local", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qnet-haproxy-"));
    try {
      const file = join(dir, "local.cfg");
      await writeFile(file, localBalancerConfig(text, { host: "127.0.0.1", port: 18080 }, replicas));
      for (const path of [BALANCER_CONFIG, file]) await run("haproxy", ["-c", "-q", "-f", path]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
