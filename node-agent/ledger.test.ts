import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ResultState } from "../shared/protocol/items.ts";
import type { ResultStatus } from "../shared/protocol/status.ts";
import { FileLedger, ledgerPath } from "./fileLedger.ts";
import { MemoryLedger, type NodeLedger, type RecordedQuery } from "./ledger.ts";

const queryId = "7c0e5b7e-4a4b-4b43-9b1a-0b7c7d3b2f11";
const resultId = `${queryId}:hospital-a`;
const state = (itemVersion: number, status: ResultStatus = "running"): ResultState => ({
  id: resultId,
  queryId,
  nodeId: "hospital-a",
  status,
  versionInfo: { protocolVersion: 1, itemVersion, createDate: "2026-01-01T00:00:00.000Z", changeDate: "2026-01-01T00:00:01.000Z" },
  ...(status === "completed" ? { count: 120 } : {}),
});
const query: RecordedQuery = {
  resultId,
  queryId,
  definition: { panels: [{ concepts: ["dx:I10"] }] },
  sent: { ...state(2), status: "sentToNode" },
  receivedAt: 1,
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "qnet-ledger-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const engines: [string, () => NodeLedger][] = [
  ["memory", () => new MemoryLedger()],
  ["file", () => new FileLedger(ledgerPath(dir, "hospital-a"))],
];

describe.each(engines)("%s ledger", (_, make) => {
  it("records queries and keeps the newest state of each result", async () => {
    const ledger = make();
    await ledger.open();
    expect(ledger.query(resultId)).toBeUndefined();
    await ledger.recordQuery(query);
    expect(ledger.query(resultId)).toEqual(query);
    expect(ledger.unfinished()).toEqual([{ query, newest: undefined }]);
    await ledger.recordState(state(3), "m3");
    await ledger.recordState(state(4), "m4");
    await ledger.recordState(state(3), "m3"); // an older version never replaces a newer one
    expect(ledger.newest(resultId)).toEqual({ result: state(4), messageId: "m4", published: false });
    await ledger.recordPublished(resultId, 3); // a confirm of an older version says nothing of the newest
    expect(ledger.newest(resultId)?.published).toBe(false);
    await ledger.recordPublished(resultId, 4);
    expect(ledger.newest(resultId)?.published).toBe(true);
    expect(ledger.unfinished()).toHaveLength(1);
    await ledger.recordState(state(5, "completed"), "m5");
    expect(ledger.unfinished()).toHaveLength(1); // final but not yet confirmed
    await ledger.recordPublished(resultId, 5);
    expect(ledger.unfinished()).toEqual([]);
    expect(ledger.taken(resultId)).toBe(true);
    expect(ledger.taken(`${queryId}:hospital-b`)).toBe(false);
    await ledger.close();
  });
});

describe("memory ledger", () => {
  it("forgets a result once its final state is confirmed, but still knows it took it", async () => {
    const ledger = new MemoryLedger();
    await ledger.open();
    await ledger.recordQuery(query);
    await ledger.recordState(state(3, "completed"), "m3");
    expect(ledger.query(resultId)).toEqual(query);
    await ledger.recordPublished(resultId, 3);
    expect(ledger.query(resultId)).toBeUndefined();
    expect(ledger.newest(resultId)).toBeUndefined();
    expect(ledger.taken(resultId)).toBe(true);
    expect(ledger.unfinished()).toEqual([]);
  });
});

describe("file ledger", () => {
  const path = () => ledgerPath(dir, "hospital-a");

  it("survives a reopen: the query, the newest state, its messageId and whether it went out", async () => {
    const first = new FileLedger(path());
    await first.open();
    await first.recordQuery(query);
    await first.recordState(state(3), "m3");
    await first.recordPublished(resultId, 3);
    await first.recordState(state(4), "m4");
    await first.close();

    const second = new FileLedger(path());
    await second.open();
    expect(second.query(resultId)).toEqual(query);
    expect(second.newest(resultId)).toEqual({ result: state(4), messageId: "m4", published: false });
    // The sequence continues from the newest version recorded.
    await second.recordState(state(5), "m5");
    await second.close();
    const third = new FileLedger(path());
    await third.open();
    expect(third.newest(resultId)?.result.versionInfo.itemVersion).toBe(5);
    await third.close();
  });

  it("skips a torn last line from a crash and keeps what came before", async () => {
    const first = new FileLedger(path());
    await first.open();
    await first.recordQuery(query);
    await first.recordState(state(3), "m3");
    await first.close();
    await appendFile(path(), '{"t":"state","result":{"id":');
    const second = new FileLedger(path());
    await second.open();
    expect(second.newest(resultId)?.messageId).toBe("m3");
    await second.recordState(state(4), "m4");
    await second.close();
    const third = new FileLedger(path());
    await third.open();
    expect(third.newest(resultId)?.messageId).toBe("m4");
    await third.close();
  });

  it("writes records arriving together in one go, each durable when it resolves", async () => {
    const ledger = new FileLedger(path());
    await ledger.open();
    await ledger.recordQuery(query);
    await Promise.all([3, 4, 5, 6].map((v) => ledger.recordState(state(v), `m${v}`)));
    expect(ledger.newest(resultId)?.messageId).toBe("m6");
    await ledger.close();
    const lines = (await readFile(path(), "utf8")).trim().split("\n");
    expect(lines).toHaveLength(5);
  });

  it("compacts a log grown far past its live entries", async () => {
    const ledger = new FileLedger(path());
    await ledger.open();
    await ledger.recordQuery(query);
    for (let v = 3; v < 1500; v++) await ledger.recordState(state(v), `m${v}`);
    await ledger.close();
    const reopened = new FileLedger(path());
    await reopened.open();
    expect(reopened.newest(resultId)?.messageId).toBe("m1499");
    await reopened.close();
    expect((await readFile(path(), "utf8")).trim().split("\n")).toHaveLength(2);
  });

  it("refuses records before it is opened", async () => {
    await expect(new FileLedger(path()).recordQuery(query)).rejects.toThrow(/not open/);
  });
});
