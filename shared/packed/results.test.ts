import { describe, expect, it } from "vitest";
import type { ResultState } from "../protocol/items.ts";
import { ResultFields, ResultTexts } from "./results.ts";

const Q = "8c0a4a4e-3c2e-4f5a-9d35-0f8e4c1b2a10";
const base: ResultState = {
  id: `${Q}:site-a`,
  queryId: Q,
  nodeId: "site-a",
  versionInfo: { protocolVersion: 1, itemVersion: 1, createDate: "2026-01-01T00:00:00.000Z", changeDate: "2026-01-01T00:00:00.000Z" },
  status: "sentToNode",
} as ResultState;
const at = (
  v: number,
  status: ResultState["status"],
  extra: Partial<ResultState> = {},
  changeDate = "2026-01-01T00:00:07.250Z",
): ResultState => ({ ...base, versionInfo: { ...base.versionInfo, itemVersion: v, changeDate }, status, ...extra }) as ResultState;
const obfuscation = { binSize: 5, stdDev: 6.5, noiseClamp: 10, lowLimit: 10 };
const breakdowns = {
  sex: { female: 65, male: 55 },
  age: { "0-9": -1, "10-17": -1, "18-34": 15, "35-44": 20, "45-54": 25, "55-64": 30, "65-74": 15, "75-84": -1, "85+": -1 },
  race: { americanIndian: -1, asian: -1, black: 20, pacificIslander: -1, white: 75, multiple: -1, other: -1, unknown: 15 },
  vitalStatus: { living: 110, deceased: -1, notRecorded: -1 },
};

/** Packs each state at its own slot against one item, as the store and the view do. */
function packAll(states: ResultState[]) {
  const texts = new ResultTexts();
  const fields = new ResultFields();
  const item = texts.add(base);
  const slots = states.map((s, slot) => texts.fits(item, s) && fields.write(slot, s));
  return { texts, fields, item, slots };
}

describe("packed result states", () => {
  it("rebuild exactly, in the same key order: status, version, date, progress, count, message and obfuscation", () => {
    const states = [
      base,
      at(2, "receivedByNode"),
      at(3, "running", { progress: 0.3 }),
      at(4, "completed", { progress: 1, count: 120 }),
      at(5, "failed", { count: -1 }),
      at(6, "completed", { count: -1, obfuscation }),
      at(7, "failed", { statusMessage: "disk full" }),
      at(8, "timedOut", { statusMessage: "the hub has given up" }),
    ];
    const { texts, fields, item, slots } = packAll(states);
    expect(slots.every(Boolean)).toBe(true);
    states.forEach((s, slot) => {
      const back = fields.read(slot, texts, item);
      expect(JSON.stringify(back)).toBe(JSON.stringify(s));
      expect(fields.status(slot)).toBe(s.status);
      expect(fields.itemVersion(slot)).toBe(s.versionInfo.itemVersion);
    });
  });

  it("pack a changeDate only when it prints back as itself", () => {
    const dates = [
      "2024-02-29T23:59:59.999Z",
      "0050-01-01T00:00:00.000Z",
      "2026-02-29T00:00:00.000Z",
      "2026-04-31T00:00:00.000Z",
      "2026-01-01T24:00:00.000Z",
      "2026-01-01T00:00:00Z",
      "2026-01-01T00:00:00.000+00:00",
      "+012026-01-01T00:00:00.000Z",
      "2026-1-01T00:00:00.000Z",
    ];
    const { slots } = packAll(dates.map((d, i) => at(i + 2, "receivedByNode", {}, d)));
    // The year 12026 prints with its sign and six digits: that text is its own too.
    expect(slots).toEqual([true, true, false, false, false, false, false, true, false]);
  });

  it("rebuild breakdowns exactly, any of the kinds, and a slot written again keeps only its new cells", () => {
    const states = [
      at(2, "completed", { count: 120, obfuscation, breakdowns }),
      at(3, "completed", { count: 120, obfuscation, breakdowns: { age: breakdowns.age, vitalStatus: breakdowns.vitalStatus } }),
      at(4, "completed", { count: -1, obfuscation, breakdowns: {} }),
    ];
    const { texts, fields, item, slots } = packAll(states);
    expect(slots.every(Boolean)).toBe(true);
    for (const [slot, s] of states.entries()) expect(JSON.stringify(fields.read(slot, texts, item))).toBe(JSON.stringify(s));
    const other = { ...breakdowns, sex: { female: 70, male: 50 } };
    expect(fields.write(0, at(5, "completed", { count: 120, obfuscation, breakdowns: other }))).toBe(true);
    expect(fields.read(0, texts, item).breakdowns).toEqual(other);
    expect(fields.write(0, at(6, "completed", { count: 120, obfuscation, breakdowns: { sex: other.sex } }))).toBe(true);
    expect(fields.read(0, texts, item).breakdowns).toEqual({ sex: other.sex });
    expect(fields.write(0, at(7, "completed", { count: 120 }))).toBe(true);
    expect(fields.read(0, texts, item)).toEqual(at(7, "completed", { count: 120 }));
    expect(fields.read(1, texts, item)).toEqual(states[1]);
  });

  it("leave unpacked breakdowns that would not rebuild exactly", () => {
    const { age, ...withoutAge } = breakdowns;
    const unpackable = [
      { ...breakdowns, sex: { male: 55, female: 65 } },
      { age, ...withoutAge },
      { ...breakdowns, sex: { female: 65 } },
      { ...breakdowns, sex: { female: 65, male: 55, unknown: -1 } },
      { ...breakdowns, sex: { female: 65.5, male: 55 } },
      { ...breakdowns, sex: { female: -0, male: 55 } },
      { ...breakdowns, sex: { female: 2 ** 31, male: 55 } },
      { ...breakdowns, sex: { female: "65", male: 55 } },
      { ...breakdowns, ethnicity: { hispanic: 5 } },
      [breakdowns.sex],
      undefined,
    ];
    const { texts, fields, item } = packAll([]);
    unpackable.forEach((b, slot) => {
      const s = at(2, "completed", { count: 120, breakdowns: b as unknown as ResultState["breakdowns"] });
      expect(texts.fits(item, s) && fields.write(slot, s), JSON.stringify(b)).toBe(false);
      expect(fields.packed(slot)).toBe(false);
    });
  });

  it("keep their own copy of an obfuscation: a reader changing what it read changes nothing kept", () => {
    const { texts, fields, item } = packAll([at(2, "completed", { count: 3, obfuscation: { ...obfuscation } })]);
    const first = fields.read(0, texts, item);
    (first.obfuscation as { binSize: number }).binSize = 99;
    expect(fields.read(0, texts, item).obfuscation).toEqual(obfuscation);
  });

  it("leave unpacked what would not rebuild exactly", () => {
    const version = at(2, "receivedByNode").versionInfo;
    const unfit = [
      { ...at(2, "receivedByNode"), nodeId: "site-b" },
      { ...at(2, "receivedByNode"), id: `${Q}:site-b` },
      { ...at(2, "receivedByNode"), versionInfo: { ...version, createDate: "2026-01-02T00:00:00.000Z" } },
      { ...at(2, "receivedByNode"), versionInfo: { ...version, protocolVersion: 2 } },
    ] as ResultState[];
    const unpackable = [
      at(2, "receivedByNode", {}, "2026-01-01T00:00:07.25Z"),
      at(2, "receivedByNode", {}, "2026-01-01T01:00:07.250+01:00"),
      { ...at(2, "receivedByNode"), extra: 1 },
      Object.fromEntries(Object.entries(at(2, "receivedByNode")).reverse()),
      { ...at(2, "receivedByNode"), versionInfo: Object.fromEntries(Object.entries(version).reverse()) },
      at(2, "running", { progress: undefined }),
      at(2, "failed", { statusMessage: 7 as unknown as string }),
      at(2, "completed", { count: 1, obfuscation: { ...obfuscation, nested: {} } as unknown as typeof obfuscation }),
      at(2 ** 32, "receivedByNode"),
      { ...at(2, "receivedByNode"), status: "lost" },
    ] as ResultState[];
    const { texts, fields, item } = packAll([]);
    for (const s of unfit) expect(texts.fits(item, s), JSON.stringify(s)).toBe(false);
    unpackable.forEach((s, slot) => {
      expect(texts.fits(item, s) && fields.write(slot, s), JSON.stringify(s)).toBe(false);
      expect(fields.packed(slot)).toBe(false);
    });
  });

  it("give no text to a first state whose own is not plain strings and a small protocol version", () => {
    const texts = new ResultTexts();
    const odd = { ...base, versionInfo: { ...base.versionInfo, protocolVersion: 1.5 } } as unknown as ResultState;
    const item = texts.add(odd);
    expect(texts.fits(item, odd)).toBe(false);
  });

  it("overwrite a slot whole: nothing of the state it held is left", () => {
    const { texts, fields, item } = packAll([at(4, "completed", { progress: 1, count: 120 })]);
    expect(fields.write(0, at(5, "failed", { statusMessage: "disk full" }))).toBe(true);
    expect(fields.read(0, texts, item)).toEqual(at(5, "failed", { statusMessage: "disk full" }));
    expect(fields.write(0, { ...at(6, "failed"), extra: 1 } as ResultState)).toBe(false);
    expect(fields.packed(0)).toBe(false);
    expect(fields.write(0, at(7, "running", { progress: 0.5 }))).toBe(true);
    expect(fields.read(0, texts, item)).toEqual(at(7, "running", { progress: 0.5 }));
  });
});
