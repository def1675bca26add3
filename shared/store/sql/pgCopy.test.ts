import { describe, expect, it } from "vitest";
import { copyField } from "./pgCopy.ts";

describe("copyField", () => {
  it("writes null as \\N and escapes backslash, tab and line ends, leaving the rest alone", () => {
    expect(copyField(null)).toBe("\\N");
    expect(copyField("\\N")).toBe("\\\\N");
    expect(copyField('a\\b\tc\nd\re "é" {}')).toBe('a\\\\b\\tc\\nd\\re "é" {}');
    expect(copyField(42)).toBe("42");
    expect(copyField("plain")).toBe("plain");
  });
});
