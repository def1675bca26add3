import { randomUUID } from "node:crypto";

/**
 * A hospital written by someone else, from PROTOCOL.md alone: what it reads from a run-query and
 * the result-updates it answers with. Deliberately not built on qnet's protocol code, so that the
 * tests using it check the wire contract rather than our own reading of it.
 */
export interface WireRunQuery {
  type: "run-query";
  query: { id: string };
  result: {
    id: string;
    queryId: string;
    nodeId: string;
    versionInfo: { protocolVersion: number; itemVersion: number; createDate: string };
  };
}

export const RAW_COUNT = 40;

/** receivedByNode, running, completed: each a whole proposed state at the next itemVersion. */
export function answerRunQuery(run: WireRunQuery, nodeId: string): { messageId: string; body: Buffer }[] {
  const from = run.result.versionInfo;
  const state = (step: number, status: string, extra: Record<string, unknown>) => ({
    id: run.result.id,
    queryId: run.result.queryId,
    nodeId,
    versionInfo: {
      protocolVersion: 1,
      itemVersion: from.itemVersion + step,
      createDate: from.createDate,
      changeDate: new Date().toISOString(),
    },
    status,
    ...extra,
  });
  const states = [
    state(1, "receivedByNode", {}),
    state(2, "running", { progress: 0.5 }),
    state(3, "completed", { count: RAW_COUNT, obfuscation: { binSize: 5, stdDev: 6.5, noiseClamp: 10, lowLimit: 10 } }),
  ];
  return states.map((result) => {
    const messageId = randomUUID();
    return {
      messageId,
      body: Buffer.from(JSON.stringify({ type: "result-update", messageId, sentAt: new Date().toISOString(), nodeId, result })),
    };
  });
}

/** A result-update that fails the schema: no result at all. */
export function malformedUpdate(nodeId: string): { messageId: string; body: Buffer } {
  const messageId = randomUUID();
  return {
    messageId,
    body: Buffer.from(JSON.stringify({ type: "result-update", messageId, sentAt: new Date().toISOString(), nodeId, note: "no result" })),
  };
}
