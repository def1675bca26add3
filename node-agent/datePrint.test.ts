import { describe, expect, it } from "vitest";
import type { ResultState } from "../shared/protocol/items.ts";
import { printDates } from "./datePrint.ts";

const state: ResultState = {
  id: "q:site",
  queryId: "q",
  nodeId: "site",
  versionInfo: { protocolVersion: 1, itemVersion: 3, createDate: "2026-01-01T00:00:00.000Z", changeDate: "2026-01-01T10:00:00.123Z" },
  status: "queuedAtNode",
} as ResultState;

const withDates = (s: ResultState, createDate: string, changeDate: string): ResultState => ({
  ...s,
  versionInfo: { ...s.versionInfo, createDate, changeDate },
});

describe("printDates", () => {
  it("prints the changeDate to the microsecond: the same instant, nothing else changed", () => {
    const micros = printDates(state, "micros");
    expect(micros.versionInfo.changeDate).toBe("2026-01-01T10:00:00.123000Z");
    expect(Date.parse(micros.versionInfo.changeDate)).toBe(Date.parse(state.versionInfo.changeDate));
    expect({ ...micros, versionInfo: { ...micros.versionInfo, changeDate: state.versionInfo.changeDate } }).toEqual(state);
    expect(printDates(state, "millis")).toBe(state);
  });

  it("prints both dates as Java's Instant does: a zero fraction left out, any other kept", () => {
    const instant = printDates(state, "instant");
    expect(instant).toEqual(withDates(state, "2026-01-01T00:00:00Z", "2026-01-01T10:00:00.123Z"));
    expect(Date.parse(instant.versionInfo.createDate)).toBe(Date.parse(state.versionInfo.createDate));
    const whole = withDates(state, "2026-01-01T00:00:00.120Z", "2026-01-01T10:00:01.000Z");
    expect(printDates(whole, "instant")).toEqual(withDates(state, "2026-01-01T00:00:00.120Z", "2026-01-01T10:00:01Z"));
    expect(printDates(instant, "instant")).toEqual(instant);
  });
});
