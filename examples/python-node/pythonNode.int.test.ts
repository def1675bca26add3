import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import amqp from "amqplib";
import { afterEach, expect, it } from "vitest";
import { DIABETES_QUERY, type QueryView } from "../../cluster/testing/hubApi.ts";
import { TestNetwork } from "../../cluster/testing/network.ts";
import { pollUntil } from "../../shared/testing/net.ts";
import { ProcessPool } from "../../cluster/testing/processes.ts";
import { describeWith, inCi, SERVICES, uniquePrefix } from "../../shared/testing/services.ts";

const NODE = "py-site";
const SCRIPT = join(import.meta.dirname, "node.py");
const INSTALL = "apt-get install -y python3-pika";

/** A python3 that can import pika: QNET_PYTHON, then Debian's own (whose packages a PATH python may not see), then the PATH's. */
function pythonWithPika(): string | undefined {
  for (const candidate of [process.env.QNET_PYTHON, "/usr/bin/python3", "python3"]) {
    if (candidate && spawnSync(candidate, ["-c", "import pika"], { stdio: "ignore" }).status === 0) return candidate;
  }
  return undefined;
}

interface PythonNode {
  process: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startPythonNode(python: string, env: Record<string, string>): PythonNode {
  const child = spawn(python, ["-u", SCRIPT], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on("line", (line) => lines.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { process: child, lines, exited };
}

const python = pythonWithPika();

await describeWith(["amqp"], "a node in Python (examples/python-node) against a hub on RabbitMQ", () => {
  if (!python) {
    if (inCi) {
      it("needs python3 with pika", () => {
        throw new Error(`CI=true and no python3 can import pika: ${INSTALL} (.ci/run does it when missing)`);
      });
    } else {
      console.warn(`SKIPPING the Python node's test: no python3 can import pika (${INSTALL})`);
      it.skip(`needs python3 with pika (${INSTALL})`, () => undefined);
    }
    return;
  }

  const pool = new ProcessPool();
  let network: TestNetwork | undefined;
  let node: PythonNode | undefined;

  afterEach(async () => {
    if (node && node.process.exitCode === null && node.process.signalCode === null) node.process.kill("SIGKILL");
    await node?.exited;
    await pool.killAll();
    await network?.cleanUp();
  });

  it("declares its queue as the hub would, answers with the whole lifecycle, dead-letters what it cannot read, stops on SIGTERM", async () => {
    const prefix = uniquePrefix("pynode");
    network = new TestNetwork(pool, { transport: "amqp", prefix, nodeIds: [NODE] });
    // The node first: it creates the topology, and the hub, declaring the same queues after it, refuses to start if a setting differs.
    node = startPythonNode(python, {
      QNET_NODE_ID: NODE,
      QNET_PREFIX: prefix,
      AMQP_URL: SERVICES.amqp.url,
      QNET_HEARTBEAT_MS: "1000",
      QNET_NODE_TIME_SCALE: "0.3",
    });
    const output = () => node?.lines.join("\n") ?? "";
    await pollUntil("the python node to be ready", 60_000, () => node?.lines.some((l) => / node ready /.test(l)) ?? false, {
      describe: output,
    });
    const api = await network.startHub();

    const counted = await api.submit([NODE], DIABETES_QUERY);
    const nobody = await api.submit([NODE], { panels: [{ concepts: ["dx:NO.SUCH.CODE"] }] });
    // Written before breakdowns, the node reads the definition without them and answers the count alone.
    const broken = await api.submit([NODE], { ...DIABETES_QUERY, breakdowns: ["sex", "vitalStatus"] });
    const views: QueryView[] = [];
    for (const id of [counted, nobody, broken]) views.push(await api.waitCompleted(id, { timeoutMs: 60_000 }));

    // The view shows what the node reported, at the version it reported it.
    for (const view of views) {
      const row = view.nodes.find((n) => n.nodeId === NODE);
      const reported = new RegExp(` completed result=${view.id}:${NODE} itemVersion=(\\d+) count=(-?\\d+)`).exec(output());
      expect(reported, output()).not.toBeNull();
      expect(row).toMatchObject({ status: "completed", final: true, itemVersion: Number(reported?.[1]), count: Number(reported?.[2]) });
    }
    const diabetics = views[0]?.nodes[0]?.count ?? Number.NaN;
    expect(diabetics).toBeGreaterThan(10);
    expect(diabetics % 5).toBe(0);
    expect(views[1]?.nodes[0]?.count).toBe(-1);
    const asked = views[2] as QueryView & {
      summary: { breakdowns: { kind: string; sites: number; missing: number; cells: { totalDisplay: string }[] }[] };
    };
    expect(asked?.nodes[0]).toMatchObject({ status: "completed", count: diabetics, breakdowns: null });
    expect(asked?.summary.breakdowns.map((b) => [b.kind, b.sites, b.missing])).toEqual([
      ["sex", 0, 1],
      ["vitalStatus", 0, 1],
    ]);
    expect(asked?.summary.breakdowns.flatMap((b) => b.cells.map((c) => c.totalDisplay))).toEqual(Array(5).fill("at least 0"));

    // Every state the next version of the one before, each applied: no duplicate, no conflict.
    const history = (await (await fetch(`${api.baseUrl}/api/queries/${counted}/history`)).json()) as {
      states: { kind: string; itemVersion: number; outcome: string; state: { status: string; progress?: number } }[];
      conflicts: unknown[];
    };
    const states = history.states.filter((s) => s.kind === "result");
    expect(states.map((s) => s.itemVersion)).toEqual(states.map((_, i) => i + 1));
    expect(states.every((s) => s.outcome === "applied")).toBe(true);
    expect(history.conflicts).toEqual([]);
    const statuses = states.map((s) => s.state.status).join(" ");
    expect(statuses).toMatch(/^created sentToNode receivedByNode (queuedAtNode )?(running )+completed$/);
    const progress = states.filter((s) => s.state.status === "running").map((s) => s.state.progress);
    expect(progress[0]).toBe(0);
    expect(progress).toEqual([...progress].sort((a, b) => (a ?? 0) - (b ?? 0)));

    const nodes = (await (await fetch(`${api.baseUrl}/api/nodes`)).json()) as { items: { nodeId: string; alive: boolean }[] };
    expect(nodes.items.find((n) => n.nodeId === NODE)).toMatchObject({ alive: true });

    // Something it cannot read: dead-lettered with its reason and its origin, not retried.
    const connection = await amqp.connect(SERVICES.amqp.url);
    try {
      const channel = await connection.createConfirmChannel();
      channel.publish(`${prefix}.queries`, `query.${NODE}`, Buffer.from("{nope"), { messageId: "garbage-1", persistent: true });
      await channel.waitForConfirms();
      let dead: amqp.GetMessage | false = false;
      await pollUntil("the garbage in the dead letters", 30_000, async () => {
        dead = await channel.get(`${prefix}.dead`, { noAck: true });
        return dead !== false && dead.properties.messageId === "garbage-1";
      });
      const letter = dead as unknown as amqp.GetMessage;
      expect(letter.fields.routingKey).toBe(`query.${NODE}`);
      expect(String(letter.properties.headers?.["x-qnet-reason"])).toMatch(/^not UTF-8 JSON/);
      expect(letter.content.toString()).toBe("{nope");
    } finally {
      await connection.close();
    }

    node.process.kill("SIGTERM");
    expect(await node.exited).toEqual({ code: 0, signal: null });
    expect(output()).toMatch(/ node stopped unfinished=0 answered=3/);
  }, 180_000);
});
