import { describe, expect, it } from "vitest";
import { CONCEPTS } from "../shared/protocol/vocabulary.ts";
import { VOCABULARY } from "./vocabulary.ts";

describe("the simulated hospitals' vocabulary", () => {
  it("gives every concept of the shared vocabulary a prevalence, and no other concept", () => {
    expect(VOCABULARY.map((c) => c.code).sort()).toEqual(CONCEPTS.map((c) => c.code).sort());
    expect(new Set(CONCEPTS.map((c) => c.code)).size).toBe(CONCEPTS.length);
  });
});
