import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { registerBroker } from "../shared/transport/mod.ts";
import { stubBroker } from "../shared/transport/testing/stubBroker.ts";
import { main } from "./cli.ts";
import { parseScenario } from "./schema.ts";

const stub = stubBroker();
let unregister = () => {};
// The run's results folder goes to a temporary folder, not into the checkout.
beforeAll(async () => {
  process.env.QNET_RESULTS_DIR = await mkdtemp(join(tmpdir(), "qnet-results-"));
});
let out: string[];
let err: string[];
beforeEach(() => {
  unregister = registerBroker(stub.entry);
  out = [];
  err = [];
  vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
});
afterEach(() => {
  unregister();
  vi.restoreAllMocks();
});

describe("a broker registered beside the built-in ones, in the scenario engine", () => {
  it("is a scenario's transport, and named among the choices when the transport is unknown", () => {
    const scenario = { name: "x", description: "d", seed: 1, nodes: [{ nodeId: "site-a", profile: "fast" }], queries: [{ at: 0 }] };
    expect(parseScenario({ ...scenario, transport: "stub" }).transport).toBe("stub");
    expect(() => parseScenario({ ...scenario, transport: "kafka" })).toThrow(/transport: must be memory, amqp, nats or stub/);
  });

  it("runs a scenario on it from the command line, through its connections, and deletes the run's prefix after", async () => {
    expect(await main(["partition", "--transport", "stub", "--shorten", "0.05", "--quiet"])).toBe(0);
    expect(out.join("\n")).toContain("transport stub");
    expect(out.join("\n")).toContain("verdict: every invariant holds");
    const prefixes = new Set(stub.calls.connected.map((c) => c.prefix));
    expect(prefixes.size).toBe(1);
    expect(stub.calls.deleted).toEqual([
      { url: "stub://127.0.0.1:1", prefix: [...prefixes][0], nodeIds: ["hospital-a", "hospital-b", "hospital-c"] },
    ]);
    expect(await main(["partition", "--transport", "kafka"])).toBe(2);
    expect(err.join("\n")).toMatch(/--transport: must be memory, amqp, nats or stub/);
    expect(await main(["--help"])).toBe(0);
    expect(out.join("\n")).toContain("[--transport memory|amqp|nats|stub]");
  });
});
