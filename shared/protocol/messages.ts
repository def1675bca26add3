import { z } from "zod";
import { quickMessage } from "./quickCheck.ts";
import { NodeId } from "./ids.ts";
import { QueryState, ResultState } from "./items.ts";
import { Iso, PROTOCOL_VERSION } from "./versionInfo.ts";

export const MAX_MESSAGE_BYTES = 64 * 1024;

const Envelope = {
  messageId: z.uuid({ message: "messageId must be a UUID" }),
  sentAt: Iso,
};

export const RunQuery = z.object({
  type: z.literal("run-query"),
  ...Envelope,
  query: QueryState,
  result: ResultState,
});

export const ResultUpdate = z.object({
  type: z.literal("result-update"),
  ...Envelope,
  nodeId: NodeId,
  result: ResultState,
});

export const NodeHeartbeat = z.object({
  type: z.literal("node-heartbeat"),
  ...Envelope,
  nodeId: NodeId,
  activeQueries: z.number().int().min(0).max(1_000_000),
});

export const Message = z.discriminatedUnion("type", [RunQuery, ResultUpdate, NodeHeartbeat]);

export type RunQuery = z.infer<typeof RunQuery>;
export type ResultUpdate = z.infer<typeof ResultUpdate>;
export type NodeHeartbeat = z.infer<typeof NodeHeartbeat>;
export type Message = z.infer<typeof Message>;
export type MessageType = Message["type"];

export type Decoded<T> = { ok: true; message: T } | { ok: false; reason: string };

const KNOWN_TYPES = new Set<string>(["run-query", "result-update", "node-heartbeat"]);
/** Decoding keeps no state between calls, so one decoder serves every message. */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Names the first few issues of a failed parse, with their paths, in one line. */
export function describeIssues(error: z.ZodError, limit = 3): string {
  const parts = error.issues.slice(0, limit).map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
  const more = error.issues.length > limit ? ` (+${error.issues.length - limit} more)` : "";
  return parts.join("; ") + more;
}

/**
 * Turns the bytes of one broker message into a protocol message, or a reason it is unusable.
 * Never throws: whatever arrives, the caller gets a verdict it can dead-letter with.
 */
export function decodeMessage(body: Uint8Array | string): Decoded<Message> {
  const size = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  if (size > MAX_MESSAGE_BYTES) return { ok: false, reason: `message of ${size} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit` };
  let raw: unknown;
  try {
    const text = typeof body === "string" ? body : UTF8.decode(body);
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `not UTF-8 JSON: ${(e as Error).message}` };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, reason: "not a JSON object" };
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== "string" || !KNOWN_TYPES.has(type)) {
    return { ok: false, reason: `unknown message type ${JSON.stringify(type)?.slice(0, 80)}` };
  }
  const versioned = (raw as { result?: { versionInfo?: { protocolVersion?: unknown } } }).result?.versionInfo?.protocolVersion;
  if (versioned !== undefined && versioned !== PROTOCOL_VERSION) {
    return {
      ok: false,
      reason: `unsupported protocolVersion ${JSON.stringify(versioned)?.slice(0, 40)} (this hub speaks ${PROTOCOL_VERSION})`,
    };
  }
  // Almost every message passes the quick check; zod judges the rest, and words every refusal.
  const quick = quickMessage(raw as Record<string, unknown>);
  if (quick) return { ok: true, message: quick };
  const parsed = Message.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: `invalid ${type}: ${describeIssues(parsed.error)}` };
  return { ok: true, message: parsed.data };
}

export function encodeMessage(message: Message): Uint8Array {
  return Buffer.from(JSON.stringify(message));
}
