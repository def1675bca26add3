/** One event as a Server-Sent Events client reads it. */
export interface ReadEvent {
  id: string | undefined;
  type: string;
  data: string;
}

/**
 * Splits an event stream into events, as the EventSource algorithm does for the fields the hub
 * sends (id, event, data; comment lines ignored). Feed it chunks as they come.
 */
export class SseParser {
  private pending = "";

  push(chunk: string): ReadEvent[] {
    this.pending += chunk.replace(/\r\n?/g, "\n");
    const events: ReadEvent[] = [];
    for (let end = this.pending.indexOf("\n\n"); end >= 0; end = this.pending.indexOf("\n\n")) {
      const block = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 2);
      const event = parseBlock(block);
      if (event) events.push(event);
    }
    return events;
  }
}

function parseBlock(block: string): ReadEvent | undefined {
  let id: string | undefined;
  let type = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") id = value;
    else if (field === "event") type = value;
    else if (field === "data") data.push(value);
  }
  return data.length > 0 ? { id, type, data: data.join("\n") } : undefined;
}

/**
 * Streams /api/events from a base URL, calling `onEvent` for each event until `signal` aborts
 * or the server ends the stream. For tests and tools; a browser has EventSource.
 */
export async function readEvents(
  url: string,
  options: { lastEventId?: string; signal: AbortSignal; onEvent: (event: ReadEvent) => void },
): Promise<void> {
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (options.lastEventId !== undefined) headers["last-event-id"] = options.lastEventId;
  const response = await fetch(url, { headers, signal: options.signal });
  if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
  const parser = new SseParser();
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body) {
      for (const event of parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))) options.onEvent(event);
    }
  } catch (err) {
    if (!options.signal.aborted) throw err;
  }
}
