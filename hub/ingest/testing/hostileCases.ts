import fc from "fast-check";
import type { Route } from "../../../shared/ports/transport.ts";
import { MAX_MESSAGE_BYTES } from "../../../shared/protocol/messages.ts";
import { nodeBrokerUser } from "../../../trust/identity.ts";

/**
 * Hostile broker input for the hub's ingest, each with the reason it must be dead-lettered for,
 * and the valid traffic it is mixed into. Shared by the memory and the real-broker suites.
 */

export const SITES = ["site-a", "site-b", "site-c"] as const;
/** The first query goes to every site, the second to site-a and site-b only. */
export const QUERY_SITES: readonly (readonly string[])[] = [SITES, ["site-a", "site-b"]];

export interface Sent {
  route: Extract<Route, { to: "hub" }>;
  body: Uint8Array;
  messageId: string;
  /** The broker user to publish as, where the suite can choose one; the route's node otherwise. */
  user?: string;
}

export interface HostileCase extends Sent {
  label: string;
  /** What the dead letter's reason must say. */
  reason: RegExp;
}

const AT = "2026-03-01T12:00:00.000Z";
const encoder = new TextEncoder();
const bytes = (s: string) => encoder.encode(s);

function versionInfo(itemVersion: unknown): Record<string, unknown> {
  return { protocolVersion: 1, itemVersion, createDate: AT, changeDate: AT };
}

function update(queryId: string, nodeId: string, result: Record<string, unknown>, messageId: string, envelopeNodeId = nodeId) {
  return {
    type: "result-update",
    messageId,
    sentAt: AT,
    nodeId: envelopeNodeId,
    result: { id: `${queryId}:${nodeId}`, queryId, nodeId, versionInfo: versionInfo(3), status: "running", progress: 0.5, ...result },
  };
}

/** A node's honest ladder for one result: received, running twice, completed with a count. */
export function validLadder(queryId: string, nodeId: string, fromVersion: number, count: number, uuid: () => string): Sent[] {
  const steps: Record<string, unknown>[] = [
    { status: "receivedByNode", progress: undefined },
    { status: "running", progress: 0.3 },
    { status: "running", progress: 0.8 },
    { status: "completed", progress: undefined, count, obfuscation: { binSize: 5, stdDev: 6.5, noiseClamp: 10, lowLimit: 10 } },
  ];
  return steps.map((step, i) => {
    const messageId = uuid();
    const body = update(queryId, nodeId, { ...step, versionInfo: versionInfo(fromVersion + i) }, messageId);
    return { route: { to: "hub", kind: "result", nodeId }, body: bytes(JSON.stringify(body)), messageId };
  });
}

/** Everything the sites honestly say about the queries, with the counts they report. */
export function validTraffic(
  queryIds: readonly string[],
  fromVersion: (queryId: string, nodeId: string) => number,
  uuid: () => string,
): Sent[] {
  const out: Sent[] = [];
  queryIds.forEach((queryId, q) => {
    for (const [s, nodeId] of (QUERY_SITES[q] ?? []).entries())
      out.push(...validLadder(queryId, nodeId, fromVersion(queryId, nodeId), 100 + 35 * q + 5 * s, uuid));
  });
  return out;
}

const uuidArb = fc.uuid({ version: 4 });
const siteArb = fc.constantFrom(...SITES);

/** A hostile case from a recipe; messageId is both the envelope's and the broker's, to find its dead letter. */
type Recipe = (ctx: { queryIds: readonly string[]; messageId: string; prefix: string }) => Omit<HostileCase, "messageId">;

const onOwnRoute = (nodeId: string, body: string | Uint8Array, label: string, reason: RegExp) => ({
  route: { to: "hub", kind: "result", nodeId } as const,
  body: typeof body === "string" ? bytes(body) : body,
  label,
  reason,
});

/** A result-update of a known query, on its node's own route, with one part spoiled. */
const spoiled = (label: string, spoil: Record<string, unknown>, reason: RegExp, raw?: (json: string) => string): fc.Arbitrary<Recipe> =>
  siteArb.map(
    (nodeId): Recipe =>
      ({ queryIds, messageId }) => {
        const json = JSON.stringify(update(queryIds[0] as string, nodeId, spoil, messageId));
        return onOwnRoute(nodeId, raw ? raw(json) : json, label, reason);
      },
  );

const recipes: fc.Arbitrary<Recipe>[] = [
  fc.uint8Array({ minLength: 0, maxLength: 300 }).map(
    (b): Recipe =>
      () =>
        onOwnRoute("site-a", b, "random bytes", /^(not UTF-8 JSON: |not a JSON object|unknown message type)/),
  ),
  fc.jsonValue({ maxDepth: 4 }).map(
    (v): Recipe =>
      () =>
        onOwnRoute("site-b", JSON.stringify(v) ?? "null", "random JSON", /^(not a JSON object|unknown message type|invalid )/),
  ),
  fc.integer({ min: 100, max: 20_000 }).map(
    (depth): Recipe =>
      () =>
        onOwnRoute("site-a", `${"[".repeat(depth)}${"]".repeat(depth)}`, "deeply nested array", /^not a JSON object$/),
  ),
  fc
    .integer({ min: 50, max: 2_000 })
    .chain((depth) =>
      spoiled("deeply nested count", {}, /^invalid result-update: result\.count: /, (json) =>
        json.replace(/"progress":0\.5/, `"progress":0.5,"count":${"[".repeat(depth)}1${"]".repeat(depth)}`),
      ),
    ),
  fc
    .constantFrom("NaN", "Infinity", "-Infinity", "nan", "undefined")
    .chain((token) =>
      spoiled(`${token} as a count`, {}, /^not UTF-8 JSON: /, (json) =>
        json.replace(/"progress":0\.5/, `"status":"completed","count":${token}`),
      ),
    ),
  spoiled("count overflowing to Infinity", {}, /^invalid result-update: result\.count: /, (json) =>
    json.replace(/"progress":0\.5/, `"progress":0.5,"status":"completed","count":1e400`),
  ),
  fc
    .integer({ min: -1_000_000, max: -2 })
    .chain((count) => spoiled("negative count", { status: "completed", progress: undefined, count }, /result\.count: count must be >= -1/)),
  fc
    .oneof(fc.double({ min: 1.0001, max: 1e6, noNaN: true }), fc.double({ max: -0.0001, min: -1e6, noNaN: true }))
    .chain((progress) => spoiled("progress out of range", { progress }, /result\.progress: progress must be within 0\.\.1/)),
  fc.constantFrom(0, -1, -1e9).chain((v) => spoiled("itemVersion below 1", { versionInfo: versionInfo(v) }, /itemVersion must be >= 1/)),
  fc
    .constantFrom(2 ** 53, 1e20, 1e300)
    .chain((v) => spoiled("astronomical itemVersion", { versionInfo: versionInfo(v) }, /itemVersion is too large/)),
  fc
    .constantFrom(1.5, "3", null, true)
    .chain((v) => spoiled("itemVersion of the wrong type", { versionInfo: versionInfo(v) }, /result\.versionInfo\.itemVersion: /)),
  fc
    .string({ minLength: 1, maxLength: 20 })
    .filter((s) => !["created", "sentToNode", "receivedByNode", "queuedAtNode", "running", "timedOut", "failed", "completed"].includes(s))
    .chain((status) => spoiled("unknown status", { status }, /result\.status: /)),
  fc
    .constantFrom("created", "sentToNode", "timedOut")
    .chain((status) => spoiled("hub-only status", { status, progress: undefined }, /is set by the hub, not by a node$/)),
  fc
    .constantFrom("count", "progress", "status", "queryId", "nodeId")
    .chain((field) =>
      fc
        .oneof(fc.constant({}), fc.constant([]), fc.boolean(), fc.constant(null))
        .chain((value) => spoiled(`${field} of the wrong type`, { [field]: value }, /^invalid result-update: /)),
    ),
  fc
    .integer({ min: 2_001, max: 20_000 })
    .chain((n) =>
      spoiled(
        "huge statusMessage",
        { status: "failed", progress: undefined, statusMessage: "x".repeat(n) },
        /statusMessage is longer than 2000 characters/,
      ),
    ),
  fc
    .integer({ min: MAX_MESSAGE_BYTES, max: MAX_MESSAGE_BYTES * 3 })
    .chain((n) =>
      spoiled(
        "over the size limit",
        { statusMessage: "y".repeat(n) },
        new RegExp(`^message of \\d+ bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit$`),
      ),
    ),
  spoiled(
    "NUL in statusMessage",
    { status: "failed", progress: undefined, statusMessage: "a\u0000b" },
    /statusMessage must not contain NUL characters/,
  ),
  spoiled("protocolVersion 2", { versionInfo: { ...versionInfo(3), protocolVersion: 2 } }, /^unsupported protocolVersion 2 /),
  fc.tuple(siteArb, uuidArb).map(
    ([nodeId, queryId]): Recipe =>
      ({ messageId }) =>
        onOwnRoute(
          nodeId,
          JSON.stringify(update(queryId, nodeId, {}, messageId)),
          "unknown query",
          new RegExp(`^unknown query ${queryId}$`),
        ),
  ),
  fc.constant<Recipe>(({ queryIds, messageId }) =>
    onOwnRoute(
      "site-c",
      JSON.stringify(update(queryIds[1] as string, "site-c", {}, messageId)),
      "node the query was not sent to",
      /^query .* was not sent to node site-c$/,
    ),
  ),
  fc
    .tuple(siteArb, siteArb)
    .filter(([a, b]) => a !== b)
    .map(
      ([claimed, route]): Recipe =>
        ({ queryIds, messageId }) => ({
          route: { to: "hub", kind: "result", nodeId: route },
          body: bytes(JSON.stringify(update(queryIds[0] as string, claimed, {}, messageId))),
          label: "spoofed nodeId on another's route",
          reason: new RegExp(`^nodeId ${claimed} differs from the sender's route \\(${route}\\)$`),
        }),
    ),
  fc
    .tuple(siteArb, siteArb)
    .filter(([a, b]) => a !== b)
    .map(
      ([claimed, own]): Recipe =>
        ({ queryIds, messageId }) =>
          onOwnRoute(
            own,
            JSON.stringify(update(queryIds[0] as string, claimed, {}, messageId, own)),
            "result in another node's name",
            new RegExp(`^result\\.nodeId ${claimed} differs from the message nodeId ${own}$`),
          ),
    ),
  fc.constant<Recipe>(({ queryIds, messageId }) => ({
    route: { to: "hub", kind: "heartbeat", nodeId: "site-a" },
    body: bytes(JSON.stringify(update(queryIds[0] as string, "site-a", {}, messageId))),
    label: "result on the heartbeat route",
    reason: /^result-update arrived on the heartbeat route, expected result$/,
  })),
  fc.integer({ min: -1e6, max: -1 }).map(
    (activeQueries): Recipe =>
      ({ messageId }) => ({
        route: { to: "hub", kind: "heartbeat", nodeId: "site-b" },
        body: bytes(JSON.stringify({ type: "node-heartbeat", messageId, sentAt: AT, nodeId: "site-b", activeQueries })),
        label: "negative activeQueries",
        reason: /^invalid node-heartbeat: activeQueries: /,
      }),
  ),
  fc.constantFrom("run-query", "RESULT-UPDATE", "", "result_update").map(
    (type): Recipe =>
      ({ queryIds, messageId }) => {
        const body = { ...update(queryIds[0] as string, "site-a", {}, messageId), type };
        return onOwnRoute(
          "site-a",
          JSON.stringify(body),
          `type ${JSON.stringify(type)}`,
          type === "run-query" ? /^invalid run-query: / : /^unknown message type /,
        );
      },
  ),
];

/** Only where the suite can publish as a node's own broker user: a user speaking for another node. */
const userRecipes: fc.Arbitrary<Recipe>[] = [
  fc
    .tuple(siteArb, siteArb)
    .filter(([a, b]) => a !== b)
    .map(
      ([claimed, user]): Recipe =>
        ({ queryIds, messageId, prefix }) => ({
          route: { to: "hub", kind: "result", nodeId: claimed },
          body: bytes(JSON.stringify(update(queryIds[0] as string, claimed, {}, messageId))),
          user: nodeBrokerUser(prefix, user),
          label: "authenticated as another node",
          reason: new RegExp(`^nodeId ${claimed} differs from the node of the authenticated broker user .*\\(${user}\\)$`),
        }),
    ),
];

export function hostileRecipe(options: { withUsers: boolean }): fc.Arbitrary<Recipe> {
  return fc.oneof(...recipes, ...(options.withUsers ? userRecipes : []));
}

export function realize(recipe: Recipe, ctx: { queryIds: readonly string[]; messageId: string; prefix: string }): HostileCase {
  return { ...recipe(ctx), messageId: ctx.messageId };
}
