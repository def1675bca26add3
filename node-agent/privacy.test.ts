import { describe, expect, it } from "vitest";
import type { Delivery } from "../shared/ports/transport.ts";
import type { QueryDefinition } from "../shared/protocol/definition.ts";
import { decodeMessage, encodeMessage } from "../shared/protocol/messages.ts";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { VirtualClock } from "../shared/time/virtualClock.ts";
import { createMemoryBroker, MemoryTransport } from "../shared/transport/memory/mod.ts";
import { NodeAgent } from "./agent.ts";
import { countMatching, evaluate } from "./evaluate.ts";
import { BREAKDOWN_KINDS, type BreakdownCells } from "../shared/protocol/breakdowns.ts";
import { SHRINE_OBFUSCATION } from "../shared/protocol/items.ts";
import { AT_OR_BELOW_LIMIT, noiseFor, obfuscateAnswer, obfuscateCount } from "./obfuscate.ts";
import { ObservedSite } from "./testing/observedSite.ts";

const SITE_SEED = "privacy-site";
const NODE = "site-p";
const AT = "2026-02-01T00:00:00.000Z";

const EVERY_BREAKDOWN = [...BREAKDOWN_KINDS];

/** Broad, narrow and empty queries, so that some counts and many breakdown cells fall at or under the low limit. */
const DEFINITIONS: QueryDefinition[] = [
  { panels: [{ concepts: ["dx:E11.9"] }], breakdowns: EVERY_BREAKDOWN },
  { panels: [{ concepts: ["dx:I10"] }] },
  {
    panels: [{ concepts: ["dx:E11.9", "dx:E10.9"] }, { concepts: ["rx:metformin"], not: true }],
    age: { min: 40, max: 65 },
    sex: "F",
    breakdowns: ["race", "age"],
  },
  { panels: [{ concepts: ["dx:E10.9"] }], age: { min: 90 }, breakdowns: EVERY_BREAKDOWN },
  { panels: [{ concepts: ["dx:E10.9"] }, { concepts: ["dx:I10"] }], age: { min: 85 }, sex: "M" },
  { panels: [{ concepts: ["dx:no-such-code"] }], breakdowns: ["vitalStatus"] },
  { panels: [{ concepts: ["dx:I10"] }], breakdowns: EVERY_BREAKDOWN },
];

function runQuery(queryId: string, definition: QueryDefinition, ids: SeededRandom): Uint8Array {
  const versionInfo = { protocolVersion: 1 as const, itemVersion: 2, createDate: AT, changeDate: AT };
  return encodeMessage({
    type: "run-query",
    messageId: ids.uuid(),
    sentAt: AT,
    query: { id: queryId, versionInfo: { ...versionInfo, itemVersion: 1 }, researcherId: "dr-privacy", definition, submittedAt: AT },
    result: { id: `${queryId}:${NODE}`, queryId, nodeId: NODE, versionInfo, status: "sentToNode" },
  });
}

/** One incarnation of the site: everything it publishes, as bytes, captured off the hub's queue. */
async function runSite(
  queryIds: string[],
  incarnation: number,
): Promise<{ published: Uint8Array[]; agent: NodeAgent; observed: ObservedSite }> {
  const clock = new VirtualClock();
  const broker = createMemoryBroker({ clock, random: new SeededRandom(`broker-${incarnation}`) });
  const hubSide = new MemoryTransport(broker, { prefix: "privacy" });
  await hubSide.declare({ role: "hub", nodeIds: [NODE] });
  const published: Uint8Array[] = [];
  await hubSide.consume({ from: "hub" }, async (d: Delivery) => {
    published.push(new Uint8Array(d.body));
    await d.ack();
  });
  const observed = new ObservedSite();
  const agent = new NodeAgent({
    nodeId: NODE,
    transport: new MemoryTransport(broker, { prefix: "privacy", user: NODE }),
    clock,
    random: new SeededRandom(`incarnation-${incarnation}`),
    profile: "fast",
    seed: SITE_SEED,
    populationSize: 5_000,
    heartbeatMs: 1_000,
    observer: observed,
  });
  await agent.start();
  const ids = new SeededRandom(`run-queries-${incarnation}`);
  await Promise.all(
    queryIds.map((id, i) =>
      hubSide.publish({ to: "node", nodeId: NODE }, runQuery(id, DEFINITIONS[i] as QueryDefinition, ids), { messageId: ids.uuid() }),
    ),
  );
  const finished = () => queryIds.every((id) => observed.lastSent.get(`${id}:${NODE}`) === "completed");
  expect(await clock.runWhile(() => !finished(), 3600_000)).toBe(true);
  await clock.advance(2_000);
  await agent.stop();
  await hubSide.close();
  return { published, agent, observed };
}

describe("privacy of counts at the node boundary", () => {
  const queryIds = DEFINITIONS.map((_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`);

  it("publishes only obfuscated counts, -1 at or under the low limit, each with its obfuscation parameters", async () => {
    const { published, agent } = await runSite(queryIds, 1);
    const site = new SeededRandom(`site:${SITE_SEED}`);
    const truths = new Map(queryIds.map((id, i) => [id, evaluate(agent.population, DEFINITIONS[i] as QueryDefinition)]));
    expect([...truths.values()].some((n) => n <= SHRINE_OBFUSCATION.lowLimit)).toBe(true);
    expect([...truths.values()].some((n) => n > 100)).toBe(true);

    let completed = 0;
    for (const bytes of published) {
      const decoded = decodeMessage(bytes);
      if (!decoded.ok) throw new Error(`the node published something unreadable: ${decoded.reason}`);
      const m = decoded.message;
      if (m.type === "node-heartbeat") continue;
      expect(m.type).toBe("result-update");
      if (m.type !== "result-update") continue;
      const truth = truths.get(m.result.queryId) as number;
      const expected = obfuscateCount(truth, noiseFor(site, truth));
      const text = Buffer.from(bytes).toString("utf8");
      if (m.result.status !== "completed") {
        expect(m.result.count, "a count before completion").toBeUndefined();
        expect(text).not.toMatch(/"count"/);
        expect(text).not.toMatch(/"breakdowns"/);
        continue;
      }
      completed++;
      expect(m.result.count).toBe(expected.count);
      if (truth <= SHRINE_OBFUSCATION.lowLimit) expect(m.result.count).toBe(AT_OR_BELOW_LIMIT);
      expect(m.result.obfuscation).toEqual(SHRINE_OBFUSCATION);
      // The true count appears nowhere in the bytes unless the noise happened to land on it.
      if (expected.count !== truth && truth > 9) expect(text).not.toContain(`:${truth},`);
      if (expected.count !== truth && truth > 9) expect(text).not.toContain(`:${truth}}`);
      const bound = SHRINE_OBFUSCATION.noiseClamp + SHRINE_OBFUSCATION.binSize / 2;
      if (expected.count !== AT_OR_BELOW_LIMIT) expect(Math.abs((m.result.count as number) - truth)).toBeLessThanOrEqual(bound);
    }
    expect(completed).toBe(queryIds.length);
  });

  it("publishes only obfuscated breakdown cells, -1 at or under the low limit, and never a true cell that the noise moved", async () => {
    const { published, agent } = await runSite(queryIds, 7);
    const site = new SeededRandom(`site:${SITE_SEED}`);
    const definitionOf = new Map(queryIds.map((id, i) => [id, DEFINITIONS[i] as QueryDefinition]));
    const bound = SHRINE_OBFUSCATION.noiseClamp + SHRINE_OBFUSCATION.binSize / 2;
    let cells = 0;
    let underLimit = 0;
    let moved = 0;
    for (const bytes of published) {
      const decoded = decodeMessage(bytes);
      if (!decoded.ok || decoded.message.type !== "result-update" || decoded.message.result.status !== "completed") continue;
      const { result } = decoded.message;
      const definition = definitionOf.get(result.queryId) as QueryDefinition;
      const truth = countMatching(agent.population, definition);
      expect(Object.keys(result.breakdowns ?? {})).toEqual(BREAKDOWN_KINDS.filter((k) => definition.breakdowns?.includes(k)));
      expect(result.breakdowns).toEqual(obfuscateAnswer(truth, site).breakdowns);
      const text = Buffer.from(bytes).toString("utf8");
      for (const [kind, trueCells] of Object.entries(truth.breakdowns ?? {})) {
        const sent = result.breakdowns?.[kind as keyof typeof result.breakdowns] as BreakdownCells;
        for (const [cell, trueValue] of Object.entries(trueCells as BreakdownCells)) {
          const value = sent[cell] as number;
          cells++;
          if (trueValue <= SHRINE_OBFUSCATION.lowLimit) {
            underLimit++;
            expect(value, `${kind}.${cell} of ${trueValue}`).toBe(AT_OR_BELOW_LIMIT);
            continue;
          }
          if (value === AT_OR_BELOW_LIMIT) continue;
          expect(value % SHRINE_OBFUSCATION.binSize).toBe(0);
          expect(Math.abs(value - trueValue)).toBeLessThanOrEqual(bound);
          if (value !== trueValue) {
            moved++;
            expect(text).not.toContain(`"${cell}":${trueValue},`);
            expect(text).not.toContain(`"${cell}":${trueValue}}`);
          }
        }
      }
    }
    expect(cells).toBeGreaterThan(50);
    expect(underLimit).toBeGreaterThan(10);
    expect(moved).toBeGreaterThan(10);
  });

  it("answers a query run again at the same site with the very same count, so repeats average nothing away", async () => {
    const countsOf = (published: Uint8Array[]) => {
      const counts = new Map<string, number>();
      for (const bytes of published) {
        const d = decodeMessage(bytes);
        if (d.ok && d.message.type === "result-update" && d.message.result.status === "completed")
          counts.set(d.message.result.queryId, d.message.result.count as number);
      }
      return counts;
    };
    // Separate incarnations with no shared ledger: each runs every query from scratch.
    const runs = [
      countsOf((await runSite(queryIds, 2)).published),
      countsOf((await runSite(queryIds, 3)).published),
      countsOf((await runSite(queryIds, 4)).published),
    ];
    for (const id of queryIds) {
      expect(runs[0]?.get(id)).toBeDefined();
      expect(new Set(runs.map((r) => r.get(id))).size, id).toBe(1);
    }
  });

  it("answers the same question resubmitted under new query ids with the same count and breakdowns", async () => {
    const freshIds = DEFINITIONS.map((_, i) => `00000000-0000-4000-8000-${String(i + 101).padStart(12, "0")}`);
    const first = await runSite(queryIds, 5);
    const again = await runSite(freshIds, 6);
    for (const [i, id] of queryIds.entries()) {
      const fresh = freshIds[i] as string;
      const before = first.observed.truth(`${id}:${NODE}`);
      const after = again.observed.truth(`${fresh}:${NODE}`);
      expect(after?.reportedCount, `definition ${i}`).toBe(before?.reportedCount);
      expect(after?.reportedBreakdowns, `definition ${i}`).toEqual(before?.reportedBreakdowns);
      expect(after?.trueBreakdowns === undefined).toBe(DEFINITIONS[i]?.breakdowns === undefined);
    }
  });
});
