import type { Random } from "../../shared/ports/random.ts";

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
