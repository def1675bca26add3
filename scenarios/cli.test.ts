import { mkdtemp, readFile, readdir, readlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "./cli.ts";

const RUN_FILES = ["latency.svg", "queue.svg", "report.html", "run.json", "summary.txt", "throughput.svg"];

// Runs without --out write their results folders here rather than into the checkout.
let results: string;
beforeAll(async () => {
  results = await mkdtemp(join(tmpdir(), "qnet-results-"));
  process.env.QNET_RESULTS_DIR = results;
});

let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
});
afterEach(() => vi.restoreAllMocks());

describe("npm run scenario", () => {
  it("lists each scenario on one line with its description", async () => {
    expect(await main(["list"])).toBe(0);
    expect(out.length).toBeGreaterThanOrEqual(10);
    for (const line of out) expect(line).toMatch(/^[a-z0-9-]+ {2}\S.+$/);
  });

  it("runs a scenario, exits 0 and ends with its trace; writes the JSON and HTML reports", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qnet-scn-"));
    const code = await main(["poison", "--json", join(dir, "r.json"), "--html", join(dir, "r.html"), "--quiet"]);
    expect(code).toBe(0);
    expect(out.at(-1)).toMatch(/^trace [0-9a-f]{16}$/);
    expect(out.join("\n")).toMatch(/dead letters\s+30/);
    const json = JSON.parse(await readFile(join(dir, "r.json"), "utf8"));
    expect(json.ok).toBe(true);
    expect(json.summary.deadLetters).toBe(30);
    expect(json.summary.rules.rejected).toBe(30);
    expect(out.join("\n")).toMatch(/rule: rejected \(dead-lettered\)\s+30 {2}exercised/);
    expect(out.join("\n")).toMatch(/ok {3}exercises: rejected/);
    const html = await readFile(join(dir, "r.html"), "utf8");
    expect(html).toContain("Per-site timeline");
    expect(html).toContain("Message sequence of query");
    expect(html).toContain('exercises: rejected: <span class="ok">holds</span>');
  });

  it("leaves a results folder per run, latest pointing at the newest, and --out moves it", async () => {
    const out1 = await mkdtemp(join(tmpdir(), "qnet-out-"));
    expect(await main(["poison", "--quiet", "--out", out1])).toBe(0);
    const [stamp] = await readdir(join(out1, "poison"));
    expect(stamp).toMatch(/^\d{8}T\d{6}\.\d{3}Z$/);
    expect(await readlink(join(out1, "latest"))).toBe(join("poison", stamp as string));
    expect((await readdir(join(out1, "latest"))).sort()).toEqual(RUN_FILES);
    expect(out.join("\n")).toContain(`results: ${join(out1, "poison", stamp as string)}`);
    const summary = await readFile(join(out1, "latest", "summary.txt"), "utf8");
    expect(summary).toMatch(/dead letters\s+30/);
    expect(summary.trimEnd().split("\n").at(-1)).toBe(out.at(-1));
    const run = JSON.parse(await readFile(join(out1, "latest", "run.json"), "utf8"));
    expect(run.replay).toBe("npm run scenario -- poison --seed 11 --transport memory --store memory --policy versioned");
    // Poison's bursts are fault windows: each plot shades them and has a time axis.
    for (const plot of ["throughput.svg", "latency.svg", "queue.svg"]) {
      const svg = await readFile(join(out1, "latest", plot), "utf8");
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(svg).toContain('class="time-axis"');
      expect(svg).toContain('class="fault-window"');
      expect(svg).toMatch(/<path d="M[^"]+L/);
    }
    // A second run moves latest, and the first run's folder stays.
    expect(await main(["twin-writers", "--quiet", "--out", out1])).toBe(0);
    expect(await readlink(join(out1, "latest"))).toMatch(/^twin-writers\//);
    expect(await readdir(join(out1, "poison"))).toEqual([stamp]);
  });

  it("exits 1 under the naive policy and prints the seed and the command that reproduces it", async () => {
    expect(await main(["duplicate-reorder", "--policy", "naive", "--seed", "5", "--quiet"])).toBe(1);
    const text = out.join("\n");
    expect(text).toMatch(/counterexample \(model-agrees\): result \S+: decision #\d+ .*the hub decided applied.*; the model decides/);
    expect(text).toContain("npm run scenario -- duplicate-reorder --seed 5 --transport memory --store memory --policy naive");
    expect(out.at(-1)).toMatch(/^trace [0-9a-f]{16}$/);
  });

  it("rejects bad arguments and bad scenario files with a reason naming the field", async () => {
    expect(await main(["poison", "--transport", "carrier-pigeon"])).toBe(2);
    expect(err.join("\n")).toMatch(/--transport: must be memory, amqp or nats/);
    const dir = await mkdtemp(join(tmpdir(), "qnet-scn-"));
    const file = join(dir, "bad.json");
    await writeFile(file, JSON.stringify({ name: "bad", description: "d", seed: 1, nodes: [], queries: [{ at: 0 }] }));
    expect(await main([file])).toBe(2);
    expect(err.join("\n")).toMatch(/nodes: /);
    expect(await main(["no-such-scenario"])).toBe(2);
  });

  it("runs on the store engine --store names, and refuses one it does not know", async () => {
    expect(await main(["twin-writers", "--store", "pglite", "--quiet"])).toBe(0);
    expect(out.join("\n")).toMatch(/^seed 7, transport memory, store pglite, policy versioned/m);
    expect(await main(["twin-writers", "--store", "sqlite"])).toBe(2);
    expect(err.join("\n")).toMatch(/--store: must be memory, pglite, postgres/);
  });

  it("runs a scenario file in the JSON form", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qnet-scn-"));
    const file = join(dir, "mine.json");
    const scenario = {
      name: "mine",
      description: "two sites, one crash",
      seed: 3,
      nodes: [
        { nodeId: "site-a", profile: "fast", failureChance: 0 },
        { nodeId: "site-b", profile: "steady", failureChance: 0 },
      ],
      queries: [{ at: 0 }],
      faults: [{ kind: "nodeCrash", at: 500, for: 3000, nodeId: "site-b" }],
    };
    await writeFile(file, JSON.stringify(scenario));
    expect(await main([file, "--quiet"])).toBe(0);
    expect(out.at(-1)).toMatch(/^trace /);
  });

  it("refuses a flag that needs a value given none, in one line, before anything runs", async () => {
    expect(await main(["poison", "--seed", "--quiet"])).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/--seed: needs a value/);
    expect(out).toEqual([]);
  });

  it("refuses a report path it cannot write, in one line, before the run", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qnet-scn-"));
    expect(await main(["poison", "--quiet", "--json", join(dir, "no-such-folder", "r.json")])).toBe(2);
    expect(await main(["poison", "--quiet", "--html", dir])).toBe(2);
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(/^--json: cannot write .*r\.json: its folder does not exist/);
    expect(err[1]).toMatch(/^--html: .* is a folder, not a file/);
    expect(out).toEqual([]);
  });

  it("names --runs when a swarm is asked for without it", async () => {
    expect(await main(["swarm"])).toBe(2);
    expect(err.join("\n")).toMatch(/--runs: is required/);
    expect(err.join("\n")).not.toMatch(/NaN/);
  });

  it("takes the run flags in a swarm, writes its reports, and replays one seed of it with --seed N --runs 1", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qnet-swarm-"));
    const flags = ["--transport", "memory", "--policy", "versioned", "--quiet"];
    expect(await main(["swarm", "--runs", "3", "--seed", "40", "--json", join(dir, "all.json"), ...flags])).toBe(0);
    const all = JSON.parse(await readFile(join(dir, "all.json"), "utf8"));
    expect(all.seeds).toEqual([40, 41, 42]);
    expect(all.failingSeeds).toEqual([]);
    const html = join(dir, "one.html");
    expect(await main(["swarm", "--runs", "1", "--seed", "41", "--json", join(dir, "one.json"), "--html", html, ...flags])).toBe(0);
    const one = JSON.parse(await readFile(join(dir, "one.json"), "utf8"));
    expect(one.runs[0].trace).toBe(all.runs[1].trace);
    expect(await readFile(html, "utf8")).toContain("swarm-41");
    expect(await main(["swarm", "--runs", "2", "--seed", "5", "--policy", "naive", "--json", join(dir, "naive.json"), "--quiet"])).toBe(1);
    const naive = JSON.parse(await readFile(join(dir, "naive.json"), "utf8"));
    expect(naive.runs.map((r: { policy: string }) => r.policy)).toEqual(["naive", "naive"]);
    expect(out.join("\n")).toMatch(
      /reproduce one with: npm run scenario -- swarm --runs 1 --seed \d+ --transport memory --store memory --policy naive/,
    );
    // Its results folder: an index, and a folder of files for each failing seed.
    const swarmDir = join(results, "swarm");
    const newest = (await readdir(swarmDir)).sort().at(-1) as string;
    expect(await readlink(join(results, "latest"))).toBe(join("swarm", newest));
    const folder = join(swarmDir, newest);
    expect((await readdir(folder)).sort()).toEqual(["index.html", "index.json", "seed-5", "seed-6", "summary.txt"]);
    for (const seed of [5, 6]) {
      expect((await readdir(join(folder, `seed-${seed}`))).sort()).toEqual(RUN_FILES);
      const run = JSON.parse(await readFile(join(folder, `seed-${seed}`, "run.json"), "utf8"));
      expect(run.ok).toBe(false);
      expect(run.replay).toBe(`npm run scenario -- swarm --runs 1 --seed ${seed} --transport memory --store memory --policy naive`);
    }
    expect(await readFile(join(folder, "index.html"), "utf8")).toContain('<a href="seed-5/report.html">5</a>');
  });
});
