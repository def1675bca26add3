import { z } from "zod";
import type { Random } from "../../ports/random.ts";
import { window } from "../fields.ts";
import { defineFault } from "../kind.ts";

export const POISONED = "poison published";

/** Garbage on the hub's route, `count` messages spread over the window, each as if from a node. */
export const poison = defineFault({
  schema: z.strictObject({ kind: z.literal("poison"), ...window, count: z.number().int().min(1).max(1_000) }),
  counts: [POISONED],
  describe: () => ({ label: "poison" }),
  shots: (f) => f.count,
  inject: async (_f, network) => {
    const nodeId = network.random.pick(network.nodeIds);
    const body = poisonBody(network.random, nodeId, network.knownQueryId());
    network.faulted(nodeId, POISONED);
    // The messageId is drawn once the connection is there, after every draw above.
    await (await network.connectionAs(nodeId)).publish({ to: "hub", kind: "result", nodeId }, body, { messageId: network.random.uuid() });
  },
});

/**
 * Garbage for the hub's route, as a broken or hostile node might send it: each variant must be
 * dead-lettered with a reason and leave the good messages around it untouched.
 */
export function poisonBody(random: Random, nodeId: string, knownQueryId: string | undefined): Uint8Array {
  const at = "2026-01-01T00:00:00.000Z";
  const versionInfo = { protocolVersion: 1, itemVersion: 3, createDate: at, changeDate: at };
  const queryId = random.uuid();
  const variants: unknown[] = [
    "{not json",
    "[1,2,3]",
    { type: "launch-missiles", messageId: random.uuid(), sentAt: at },
    { type: "result-update", messageId: random.uuid(), sentAt: at, nodeId, result: { id: "x", status: "completed" } },
    // Well formed, but for a query nobody asked.
    {
      type: "result-update",
      messageId: random.uuid(),
      sentAt: at,
      nodeId,
      result: { id: `${queryId}:${nodeId}`, queryId, nodeId, versionInfo, status: "completed", count: 1_000_000 },
    },
    // A real query, but the body names another node than the route it came by.
    ...(knownQueryId
      ? [
          {
            type: "result-update",
            messageId: random.uuid(),
            sentAt: at,
            nodeId: "impostor",
            result: {
              id: `${knownQueryId}:impostor`,
              queryId: knownQueryId,
              nodeId: "impostor",
              versionInfo,
              status: "completed",
              count: 5,
            },
          },
        ]
      : []),
    { type: "result-update", messageId: random.uuid(), sentAt: at, nodeId, result: { ...versionInfo, protocolVersion: 99 } },
  ];
  const v = random.pick(variants);
  return Buffer.from(typeof v === "string" ? v : JSON.stringify(v));
}
