import fc from "fast-check";
import { expect } from "vitest";
import { OUTCOMES } from "../../../shared/apply/decide.ts";
import { silentLogger } from "../../../shared/log.ts";
import type { Delivery, Subscription, Transport } from "../../../shared/ports/transport.ts";
import { MemoryStore } from "../../../shared/store/memory.ts";
import { SeededRandom } from "../../../shared/time/seededRandom.ts";
import { pollUntil } from "../../../shared/testing/net.ts";
import { systemClock } from "../../../shared/time/systemClock.ts";
import { createMemoryBroker, MemoryTransport } from "../../../shared/transport/memory/mod.ts";
import { nodeBrokerUser } from "../../../trust/identity.ts";
import { type Hub, startHub } from "../../hub.ts";
import { type HostileCase, hostileRecipe, QUERY_SITES, realize, SITES, type Sent, validTraffic } from "./hostileCases.ts";

/** A hub on some broker, with its queries dispatched, and a way to publish as any site. */
export interface Rig {
  prefix: string;
  hub: Hub;
  queryIds: string[];
  /** The hub's apply outcomes once its own fan-out settled: every node message adds one. */
  baseline: number;
  publish(sent: readonly Sent[]): Promise<void>;
  dead: Map<string, Delivery>;
  stop(): Promise<void>;
}

const DEFINITION = { panels: [{ concepts: ["dx:E11.9"] }] };

export async function outcomesSoFar(hub: Hub): Promise<number> {
  const counts = await Promise.all(OUTCOMES.map((o) => hub.metrics.outcomeCount(o)));
  return counts.reduce((sum, n) => sum + n, 0);
}

/**
 * Starts a hub over `hubTransport`, submits the queries, and waits until they are dispatched. `sender`
 * gives the transport a broker user publishes on; the rig reads the dead letters itself.
 */
export async function startRig(prefix: string, hubTransport: Transport, sender: (user: string) => Transport, seed: string): Promise<Rig> {
  const hub = await startHub({
    transport: hubTransport,
    store: new MemoryStore({ clock: systemClock }),
    clock: systemClock,
    random: new SeededRandom(seed),
    log: silentLogger,
    nodeIds: [...SITES],
    resultTimeoutMs: 24 * 3600_000,
    heartbeatMs: 3600_000,
    prefetch: 512,
  });
  const queryIds: string[] = [];
  for (const nodeIds of QUERY_SITES)
    queryIds.push(await hub.desk.submit({ definition: DEFINITION, researcherId: "dr-hostile", nodeIds: [...nodeIds] }));
  await pollUntil("the queries to be dispatched", 120_000, () => queryIds.every((id) => hub.view.get(id)?.status === "dispatched"), {
    everyMs: 5,
  });
  const dead = new Map<string, Delivery>();
  const deadSub: Subscription = await hubTransport.consume({ from: "dead" }, async (d) => {
    if (d.messageId) dead.set(d.messageId, d);
    await d.ack();
  });
  return {
    prefix,
    hub,
    queryIds,
    baseline: await outcomesSoFar(hub),
    dead,
    async publish(sent) {
      await Promise.all(
        sent.map((s) => sender(s.user ?? nodeBrokerUser(prefix, s.route.nodeId)).publish(s.route, s.body, { messageId: s.messageId })),
      );
    },
    async stop() {
      await deadSub.stop();
      await hub.stop();
    },
  };
}

/** A memory broker rig: each site publishes on its own MemoryTransport, as its own broker user. */
export async function memoryRig(prefix: string, seed: string): Promise<Rig & { close(): Promise<void> }> {
  const broker = createMemoryBroker({ clock: systemClock, random: new SeededRandom(`${seed}:broker`) });
  const hubTransport = new MemoryTransport(broker, { prefix });
  const senders = new Map<string, MemoryTransport>();
  const sender = (user: string) => {
    const known = senders.get(user);
    if (known) return known;
    const t = new MemoryTransport(broker, { prefix, user });
    senders.set(user, t);
    return t;
  };
  const rig = await startRig(prefix, hubTransport, sender, seed);
  return {
    ...rig,
    async close() {
      await rig.stop();
      for (const t of senders.values()) await t.close();
      await hubTransport.close();
    },
  };
}

/** What a reader sees of the queries, by submission order, without the times of arrival. */
export function viewDigest(rig: Rig): unknown[] {
  return rig.queryIds.map((id) => {
    const v = rig.hub.view.get(id);
    return { status: v?.status, summary: v?.summary, nodes: v?.nodes.map(({ updatedAt: _, ...row }) => row) };
  });
}

/** One round of traffic: the sites' honest ladders, shuffled and partly duplicated, with hostile cases slotted in. */
export interface Round {
  order: number[];
  duplicates: number[];
  hostile: { recipe: ReturnType<typeof hostileRecipe> extends fc.Arbitrary<infer R> ? R : never; slot: number }[];
}

export function roundArb(options: { withUsers: boolean; hostile: number }): fc.Arbitrary<Round> {
  const valid = QUERY_SITES.reduce((n, sites) => n + 4 * sites.length, 0);
  const indices = [...Array(valid).keys()];
  return fc.record({
    order: fc.shuffledSubarray(indices, { minLength: valid, maxLength: valid }),
    duplicates: fc.array(fc.nat(valid - 1), { maxLength: 8 }),
    hostile: fc.array(fc.record({ recipe: hostileRecipe(options), slot: fc.nat(valid) }), {
      minLength: options.hostile,
      maxLength: options.hostile,
    }),
  });
}

function validFor(rig: Rig, uuid: () => string): Sent[] {
  const from = (queryId: string, nodeId: string) => (rig.hub.view.result(queryId, nodeId)?.versionInfo.itemVersion ?? 0) + 1;
  return validTraffic(rig.queryIds, from, uuid);
}

/**
 * Plays a round into `rig` and only its valid part into `reference`, then checks: every hostile
 * message dead-lettered with its reason, no valid one, and the two views equal.
 */
export async function playRound(rig: Rig, reference: Rig, round: Round, runId: string, batch = 500): Promise<HostileCase[]> {
  const ids = new SeededRandom(runId);
  const valid = validFor(rig, () => ids.uuid());
  const refIds = new SeededRandom(runId);
  const referenceValid = validFor(reference, () => refIds.uuid());
  const sequence = (all: Sent[]) => [...round.order, ...round.duplicates].map((i) => all[i] as Sent);
  const hostile = round.hostile.map(({ recipe, slot }) => ({
    slot,
    c: realize(recipe, { queryIds: rig.queryIds, messageId: ids.uuid(), prefix: rig.prefix }),
  }));
  const mixed: Sent[] = [];
  const ordered = sequence(valid);
  for (let i = 0; i <= ordered.length; i++) {
    for (const h of hostile) if (h.slot === i) mixed.push(h.c);
    if (i < ordered.length) mixed.push(ordered[i] as Sent);
  }
  const startRig = await outcomesSoFar(rig.hub);
  const startRef = await outcomesSoFar(reference.hub);
  const deadBefore = rig.dead.size;
  for (let i = 0; i < mixed.length; i += batch) await rig.publish(mixed.slice(i, i + batch));
  await reference.publish(sequence(referenceValid));
  // One outcome per node message, and one per query the round finishes (the hub records it done).
  const rigTarget = startRig + mixed.length + rig.queryIds.length;
  await pollUntil(
    "the hub to settle every message",
    120_000,
    async () => (await outcomesSoFar(rig.hub)) >= rigTarget && rig.dead.size >= deadBefore + hostile.length,
    { everyMs: 5 },
  );
  await pollUntil(
    "the reference to settle",
    120_000,
    async () => (await outcomesSoFar(reference.hub)) >= startRef + ordered.length + reference.queryIds.length,
    { everyMs: 5 },
  );

  const cases = hostile.map((h) => h.c);
  for (const c of cases) {
    const reason = rig.dead.get(c.messageId)?.deadReason;
    if (reason === undefined || !c.reason.test(reason)) {
      throw new Error(
        `${c.label}: dead-lettered with ${JSON.stringify(reason)}, expected ${c.reason}; body ${Buffer.from(c.body).toString("utf8").slice(0, 300)}`,
      );
    }
  }
  for (const v of valid) expect(rig.dead.has(v.messageId), "a valid message was dead-lettered").toBe(false);
  expect(await outcomesSoFar(rig.hub)).toBe(rigTarget);
  expect(viewDigest(rig)).toEqual(viewDigest(reference));
  return cases;
}
