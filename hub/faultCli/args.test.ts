import { describe, expect, it } from "vitest";
import { describeWindow, FaultUsageError, parseDuration, parseFaultArgs } from "./args.ts";

describe("npm run fault's command line", () => {
  it("reads the README's example into the API's body", () => {
    expect(parseFaultArgs("add latency --node hospital-c --ms 2000 --for 60s".split(" "))).toEqual({
      verb: "add",
      fault: { kind: "latency", nodeId: "hospital-c", baseMs: 2000, jitterMs: 0, for: 60_000 },
    });
    expect(parseFaultArgs("add crash --node hospital-a --for 2m".split(" "))).toEqual({
      verb: "add",
      fault: { kind: "nodeCrash", nodeId: "hospital-a", for: 120_000 },
    });
    expect(parseFaultArgs("add partition --node hospital-b --direction publish --for 1500ms".split(" "))).toMatchObject({
      fault: { kind: "partition", direction: "publish", for: 1_500 },
    });
    expect(parseFaultArgs("add reorder --node hospital-b --for 10s".split(" "))).toMatchObject({
      fault: { kind: "reorder", probability: 0.5, windowMs: 2_000 },
    });
    expect(parseFaultArgs(["list"])).toEqual({ verb: "list" });
    expect(parseFaultArgs(["remove", "abc"])).toEqual({ verb: "remove", id: "abc" });
    expect(parseFaultArgs([])).toEqual({ verb: "help" });
  });

  it("names what is wrong: a missing or unknown flag, a bad value, a bad duration", () => {
    const refusal = (line: string) => {
      try {
        parseFaultArgs(line.split(" "));
      } catch (err) {
        expect(err).toBeInstanceOf(FaultUsageError);
        return (err as Error).message;
      }
      return "accepted";
    };
    expect(refusal("add latency --ms 10 --for 1s")).toBe("--node is required");
    expect(refusal("add latency --node a --ms 10")).toBe("--for is required");
    expect(refusal("add latency --node a --ms 10 --for soon")).toMatch(/--for: "soon" is not a duration/);
    expect(refusal("add latency --node a --ms ten --for 1s")).toMatch(/--ms: "ten" is not a number/);
    expect(refusal("add crash --node a --ms 10 --for 1s")).toBe("add crash takes no --ms");
    expect(refusal("add duplicate --node a --probability 3 --for 1s")).toMatch(/^probability: /);
    expect(refusal("add partition --node a --direction sideways --for 1s")).toMatch(/^direction: /);
    expect(refusal("add latency --node Bad! --ms 1 --for 1s")).toMatch(/^nodeId: /);
    expect(refusal("add meteor --node a --for 1s")).toMatch(/^add what\?/);
    expect(refusal("launch")).toBe('unknown command "launch"');
    expect(parseDuration("0.5s")).toBe(500);
  });

  it("describes a window on one line", () => {
    const line = describeWindow({
      id: "f1",
      kind: "latency",
      nodeId: "hospital-c",
      label: "latency",
      fault: { kind: "latency", nodeId: "hospital-c", for: 60_000, baseMs: 2_000, jitterMs: 0 },
      startedAt: "2026-01-01T00:00:00.000Z",
      endsAt: "2026-01-01T00:01:00.000Z",
      endedAt: null,
      ended: null,
    });
    expect(line).toBe(
      "f1  hospital-c  latency (baseMs=2000 jitterMs=0)  from 2026-01-01T00:00:00.000Z, in force until 2026-01-01T00:01:00.000Z",
    );
  });
});
