import { Writable } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { createLogger, type LogFormat, readableLines } from "./log.ts";

/** A destination that keeps what is written, a terminal or not. */
function destination(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as Writable & { isTTY?: boolean };
  if (isTTY) stream.isTTY = true;
  return { stream, text: () => chunks.join("") };
}

async function logged(isTTY: boolean, format?: LogFormat): Promise<string> {
  const out = destination(isTTY);
  createLogger("hub", { destination: out.stream, format }).info({ address: "http://127.0.0.1:8080" }, "hub ready");
  await new Promise((resolve) => setImmediate(resolve));
  return out.text();
}

describe("log lines", () => {
  it("are readable on a terminal: time, level, component, message, then the fields on the same line", async () => {
    const text = stripVTControlCharacters(await logged(true));
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: hub: hub ready \{"address":"http:\/\/127\.0\.0\.1:8080"\}\n$/);
  });

  it("are JSON lines anywhere else, and with LOG_FORMAT=json on a terminal too", async () => {
    for (const text of [await logged(false), await logged(true, "json")]) {
      expect(JSON.parse(text)).toMatchObject({ level: 30, component: "hub", msg: "hub ready", address: "http://127.0.0.1:8080" });
    }
  });

  it("are readable with LOG_FORMAT=pretty when not on a terminal, without colour codes", async () => {
    const text = await logged(false, "pretty");
    expect(text).toContain("INFO: hub: hub ready");
    expect(text).not.toContain("\x1b[");
  });

  it("another process wrote are shown readably when they are its JSON log lines, and as they are otherwise", () => {
    const readable = readableLines(false);
    const line = JSON.stringify({
      level: 40,
      time: "2026-11-29T09:00:00.000Z",
      component: "node-agent",
      nodeId: "hospital-a",
      msg: "slow",
    });
    expect(readable(line)).toMatch(/^\[\d\d:\d\d:\d\d\.000\] WARN: node-agent: slow \{"nodeId":"hospital-a"\}$/);
    expect(readable("hub: SIGTERM received, stopping")).toBe("hub: SIGTERM received, stopping");
  });
});
