import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventLog } from "../hub/events/eventLog.ts";
import { SseParser } from "../hub/events/sseReader.ts";
import { SubmitQueryBody } from "../hub/http/schemas.ts";
import { EmbeddedNetwork } from "../cluster/embedded/network.ts";
import { PROFILES } from "../node-agent/profile.ts";
import type { Transport } from "../shared/ports/transport.ts";
import type { ResultState } from "../shared/protocol/items.ts";
import { decodeMessage, encodeMessage } from "../shared/protocol/messages.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { VirtualClock } from "../shared/time/virtualClock.ts";
import { renderSchemaFiles, SCHEMA_DIR, SCHEMA_ENTRIES } from "./jsonSchemas.ts";

const DIR = join(import.meta.dirname, "..", SCHEMA_DIR);
const rendered = renderSchemaFiles();
const committed = (name: string) => JSON.parse(readFileSync(join(DIR, name), "utf8")) as Record<string, unknown>;

const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
addFormats.default(ajv);
const validators = new Map(SCHEMA_ENTRIES.map((e) => [e.name, ajv.compile(committed(`${e.name}.schema.json`))]));

/** The schema's verdict on a value, with ajv's errors when it refuses. */
function verdict(name: string, value: unknown): { ok: boolean; errors: string } {
  const validate = validators.get(name);
  if (!validate) throw new Error(`no schema ${name}`);
  const ok = validate(value);
  return { ok, errors: ajv.errorsText(validate.errors) };
}
const expectValid = (name: string, value: unknown) => {
  const { ok, errors } = verdict(name, value);
  expect(ok, `${name}: ${errors}\n${JSON.stringify(value).slice(0, 400)}`).toBe(true);
};

/** Every object schema in a JSON Schema, with where it sits. */
function objectSchemas(node: unknown, path = "#"): { path: string; schema: Record<string, unknown> }[] {
  if (typeof node !== "object" || node === null) return [];
  const found = Object.entries(node).flatMap(([k, v]) => objectSchemas(v, `${path}/${k}`));
  const schema = node as Record<string, unknown>;
  return schema.type === "object" ? [{ path, schema }, ...found] : found;
}

describe("docs/schemas/", () => {
  it("holds exactly what `npm run schemas` writes from the zod schemas", () => {
    const onDisk = readdirSync(DIR)
      .filter((n) => n.endsWith(".schema.json"))
      .sort();
    expect(onDisk, "files in docs/schemas/ differ from the catalogue: run `npm run schemas`").toEqual([...rendered.keys()].sort());
    for (const [name, text] of rendered) {
      expect(readFileSync(join(DIR, name), "utf8"), `docs/schemas/${name} is stale: run \`npm run schemas\``).toBe(text);
    }
  });

  it("leaves broker messages and API answers open to fields they do not name, and closes the request body", () => {
    for (const entry of SCHEMA_ENTRIES) {
      const closed = objectSchemas(committed(`${entry.name}.schema.json`)).filter((o) => o.schema.additionalProperties === false);
      if (entry.openness === "open")
        expect(
          closed.map((o) => o.path),
          `${entry.name} must stay open`,
        ).toEqual([]);
      else expect(closed.map((o) => o.path)).toContain("#");
    }
  });

  it("says in words what JSON Schema cannot check", () => {
    const runQuery = committed("run-query.schema.json") as { properties: Record<string, { properties: Record<string, unknown> }> };
    const definition = runQuery.properties.query?.properties.definition as { properties: Record<string, { description?: string }> };
    expect(definition.properties.age?.description).toMatch(/min <= max/);
    const resultId = runQuery.properties.result?.properties.id as { description?: string };
    expect(resultId.description).toMatch(/<queryId>:<nodeId>/);
  });
});

const Q = "8c0a4a4e-3c2e-4f5a-9d35-0f8e4c1b2a10";
const versionInfo = { protocolVersion: 1, itemVersion: 3, createDate: "2026-01-01T00:00:00.000Z", changeDate: "2026-01-01T00:00:01.000Z" };
const update = (result: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  type: "result-update",
  messageId: "0d7f3a56-4f1b-4b7a-8a53-1a2b3c4d5e6f",
  sentAt: "2026-01-01T00:00:01.000Z",
  nodeId: "hospital-a",
  result: { id: `${Q}:hospital-a`, queryId: Q, nodeId: "hospital-a", versionInfo, status: "running", progress: 0.5, ...result },
  ...extra,
});
const runQuery = (definition: unknown) => ({
  type: "run-query",
  messageId: "0d7f3a56-4f1b-4b7a-8a53-1a2b3c4d5e6f",
  sentAt: "2026-01-01T00:00:01.000Z",
  query: {
    id: Q,
    versionInfo: { ...versionInfo, itemVersion: 1 },
    researcherId: "dr-who",
    definition,
    submittedAt: versionInfo.createDate,
  },
  result: {
    id: `${Q}:hospital-a`,
    queryId: Q,
    nodeId: "hospital-a",
    versionInfo: { ...versionInfo, itemVersion: 2 },
    status: "sentToNode",
  },
});
const PANEL = { concepts: ["dx:E11.9"] };

describe("the JSON Schemas and the code agree", () => {
  it("on broker messages: the refinements the zod schemas hold in code are refused by the JSON Schema too", () => {
    const cases: [string, unknown][] = [
      ["a completed result without a count", update({ status: "completed", progress: undefined })],
      ["a count before completed", update({ count: 5 })],
      ["NUL in statusMessage", update({ status: "failed", statusMessage: "bad\u0000byte" })],
      ["progress above 1", update({ progress: 1.5 })],
      ["itemVersion 0", update({ versionInfo: { ...versionInfo, itemVersion: 0 } })],
      ["protocolVersion 2", update({ versionInfo: { ...versionInfo, protocolVersion: 2 } })],
      ["a result id of another form", update({ id: "x:y" })],
      ["a date with an offset", update({}, { sentAt: "2026-01-01T01:00:00+01:00" })],
      ["breakdowns before completed", update({ breakdowns: { sex: { female: 15, male: 20 } } })],
      [
        "a breakdown without all its cells",
        update({ status: "completed", progress: undefined, count: 35, breakdowns: { sex: { female: 15 } } }),
      ],
      [
        "a breakdown cell below -1",
        update({ status: "completed", progress: undefined, count: 35, breakdowns: { sex: { female: -2, male: 20 } } }),
      ],
    ];
    for (const [what, message] of cases) {
      expect(decodeMessage(JSON.stringify(message)).ok, `zod: ${what}`).toBe(false);
      expect(verdict("result-update", message).ok, `JSON Schema: ${what}`).toBe(false);
    }
    const refusedQueries: [string, unknown][] = [
      ["every panel negated", runQuery({ panels: [{ ...PANEL, not: true }] })],
      ["a breakdown named twice", runQuery({ panels: [PANEL], breakdowns: ["age", "age"] })],
      ["a breakdown SHRINE does not have", runQuery({ panels: [PANEL], breakdowns: ["income"] })],
    ];
    for (const [what, message] of refusedQueries) {
      expect(decodeMessage(JSON.stringify(message)).ok, `zod: ${what}`).toBe(false);
      expect(verdict("run-query", message).ok, `JSON Schema: ${what}`).toBe(false);
    }
  });

  it("on what a receiver checks beyond zod: a node may not propose a hub status, a run-query carries sentToNode", () => {
    expect(verdict("result-update", update({ status: "sentToNode", progress: undefined })).ok).toBe(false);
    expect(verdict("result-update", update({ status: "timedOut", progress: undefined })).ok).toBe(false);
    const wrongStart = runQuery({ panels: [PANEL] });
    wrongStart.result.status = "running";
    expect(verdict("run-query", wrongStart).ok).toBe(false);
  });

  it("on leniency: unknown fields in a broker message pass both", () => {
    const message = update({ futureField: 1 }, { alsoNew: "x" });
    expect(decodeMessage(JSON.stringify(message)).ok).toBe(true);
    expectValid("result-update", message);
    const negatedToo = runQuery({ panels: [PANEL, { ...PANEL, not: true }], age: { min: 40 }, sex: "F", note: "later" });
    expect(decodeMessage(JSON.stringify(negatedToo)).ok).toBe(true);
    expectValid("run-query", negatedToo);
  });

  it("on the request body: a key it does not name at the top, an empty researcherId, a NUL are refused by both", () => {
    const cases: [string, unknown][] = [
      ["an unknown key", { definition: { panels: [PANEL] }, extra: 1 }],
      ["an empty researcherId", { definition: { panels: [PANEL] }, researcherId: "" }],
      ["NUL in researcherId", { definition: { panels: [PANEL] }, researcherId: "a\u0000b" }],
      ["no definition", { researcherId: "dr-who" }],
    ];
    for (const [what, body] of cases) {
      expect(SubmitQueryBody.safeParse(body).success, `zod: ${what}`).toBe(false);
      expect(verdict("query-submission", body).ok, `JSON Schema: ${what}`).toBe(false);
    }
    expectValid("query-submission", { definition: { panels: [PANEL] }, researcherId: "dr-who", nodeIds: ["site-1"] });
  });
});

describe("a running network's messages and answers", () => {
  const SITES = ["site-1", "site-2"];
  const published: Uint8Array[] = [];
  const transports = new Map<string, Transport>();
  let clock: VirtualClock;
  let network: EmbeddedNetwork;
  let events: EventLog;
  let queryId: string;

  /** Every message a participant publishes, copied on its way to the broker. */
  const tap = (inner: Transport): Transport => ({
    name: inner.name,
    declare: (topology) => inner.declare(topology),
    publish: (route, body, options) => {
      published.push(body);
      return inner.publish(route, body, options);
    },
    consume: (source, handler, options) => inner.consume(source, handler, options),
    connected: () => inner.connected(),
    close: () => inner.close(),
  });

  beforeAll(async () => {
    clock = new VirtualClock();
    network = await EmbeddedNetwork.start({
      clock,
      random: new SeededRandom(13),
      nodes: SITES.map((nodeId) => ({ nodeId, profile: { ...PROFILES.steady, queue: { ...PROFILES.steady.queue, chance: 1 } } })),
      populationSize: 1_000,
      heartbeatMs: 1_000,
      connect: (who, onMemoryBroker) => {
        const transport = tap(onMemoryBroker());
        transports.set(who.role === "hub" ? "hub" : who.nodeId, transport);
        return transport;
      },
    });
    events = network.hub.events;
    const res = await network.hub.api.inject({
      method: "POST",
      url: "/api/queries",
      payload: {
        definition: {
          panels: [{ concepts: ["dx:E11.9", "dx:E10.9"] }],
          age: { min: 20 },
          breakdowns: ["sex", "age", "race", "vitalStatus"],
        },
        researcherId: "dr-who",
      },
    });
    expect(res.statusCode).toBe(202);
    expectValid("query-accepted", res.json());
    queryId = res.json().id;
    expect(await clock.runWhile(() => network.hub.view.get(queryId)?.status !== "done", 600_000)).toBe(true);

    // A node that sends a different state at a version the hub holds: a conflict, for the history to show.
    const completed = network.hub.view.result(queryId, "site-1") as ResultState;
    const twin: ResultState = { ...completed, count: (completed.count ?? 0) + 5 };
    const messageId = "5d7f3a56-4f1b-4b7a-8a53-1a2b3c4d5e6f";
    const body = encodeMessage({
      type: "result-update",
      messageId,
      sentAt: completed.versionInfo.changeDate,
      nodeId: "site-1",
      result: twin,
    });
    await transports.get("site-1")?.publish({ to: "hub", kind: "result", nodeId: "site-1" }, body, { messageId });
    await clock.advance(5_000);
  });
  afterAll(async () => {
    await network?.stop();
  });

  it("every run-query, result-update and node-heartbeat fits its schema", () => {
    const byType = new Map<string, number>();
    let withBreakdowns = 0;
    for (const body of published) {
      const message = JSON.parse(new TextDecoder().decode(body)) as { type: string; result?: { breakdowns?: unknown } };
      byType.set(message.type, (byType.get(message.type) ?? 0) + 1);
      if (message.result?.breakdowns) withBreakdowns++;
      expectValid(message.type, message);
    }
    expect(withBreakdowns).toBeGreaterThanOrEqual(SITES.length);
    expect(Object.fromEntries(byType)).toMatchObject({
      "run-query": SITES.length,
      "result-update": expect.any(Number),
      "node-heartbeat": expect.any(Number),
    });
  });

  it("every answer of the API fits its schema", async () => {
    const get = async (url: string) => (await network.hub.api.inject({ url })).json();
    const view = await get(`/api/queries/${queryId}`);
    expect(view.summary.breakdowns).toHaveLength(4);
    expectValid("query-view", view);
    expectValid("query-list", await get("/api/queries"));
    expectValid("node-list", await get("/api/nodes"));
    expectValid("health", await get("/healthz"));
    expectValid("health", await get("/readyz"));
    expectValid("error", await get("/api/queries/6d1f3a52-3c1e-4c8e-9d5e-0c2f1b7a9e11"));
    expectValid("validation-error", await get("/api/queries/42"));
    const history = await get(`/api/queries/${queryId}/history`);
    expect(history.conflicts.length).toBeGreaterThan(0);
    expectValid("query-history", history);
  });

  it("every event of the stream fits its schema", () => {
    const backlog = events.since("0");
    if (backlog.kind !== "events") throw new Error(`no backlog: ${backlog.reason}`);
    const parser = new SseParser();
    const read = parser.push(backlog.events.map((e) => e.frame).join(""));
    expect(new Set(read.map((e) => e.type))).toEqual(new Set(["query", "result"]));
    for (const event of read) expectValid(`event-${event.type}`, JSON.parse(event.data));
  });
});
