import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { findScenario } from "../library/index.ts";
import { History } from "./history.ts";
import { ChildReplica } from "./replicaChild.ts";
import { runScenario } from "./runner.ts";
import { systemClock } from "../../shared/time/systemClock.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./testing/${name}.ts`, import.meta.url));

/** A replica over nothing real: the fixtures never read their settings. */
const replicaRunning = (entry: string) =>
  new ChildReplica({
    replica: 1,
    entry,
    report: new History(systemClock),
    settings: {
      env: {},
      prefix: "unused",
      schema: "unused",
      nodeIds: ["site-a"],
      policy: "versioned",
      resultTimeoutMs: 1000,
      heartbeatMs: 1000,
      pollMs: 100,
    },
  });

it("fails the start, in a line, of a replica process that sends what is not a replica message, and kills it", async () => {
  const replica = replicaRunning(fixture("garbageReplica"));
  await expect(replica.start()).rejects.toThrow(
    /^hub replica 1's process sent what is not a replica message \(pid: .*\): \{"type":"ready","pid":"not a number"\}/,
  );
  expect(replica.running()).toBe(false);
  expect(replica.processes).toEqual([expect.objectContaining({ replica: 1, signal: "SIGKILL" })]);
});

it("fails the start of a replica process that dies at start, with how it ended and what it said", async () => {
  const replica = replicaRunning(fixture("deadReplica"));
  const started = replica.start();
  await expect(started).rejects.toThrow(/hub replica 1's process exited with code 3 before it was ready/);
  await expect(started).rejects.toThrow(/cannot reach the broker at amqp:\/\/nowhere/);
  expect(replica.running()).toBe(false);
});

it("refuses hub replicas on a real broker without the PostgreSQL store, saying what to do", async () => {
  const scenario = findScenario("hub-replicas");
  if (!scenario) throw new Error("missing scenario hub-replicas");
  await expect(runScenario(scenario, { transport: "amqp", store: "memory" })).rejects.toThrow(
    "hub-replicas runs 3 hub replicas, which on amqp are separate processes over one store: run it with --store postgres (not memory)",
  );
});
