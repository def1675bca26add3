import { describe, expect, it } from "vitest";
import { BindingTable, matchesPattern } from "./bindings.ts";

describe("bindings", () => {
  it("matches * to one token and a final > to one or more", () => {
    expect(matchesPattern("p.result.*", "p.result.n1")).toBe(true);
    expect(matchesPattern("p.result.*", "p.result")).toBe(false);
    expect(matchesPattern("p.result.*", "p.result.n1.x")).toBe(false);
    expect(matchesPattern("p.dead.>", "p.dead.result.n1")).toBe(true);
    expect(matchesPattern("p.dead.>", "p.dead")).toBe(false);
    expect(matchesPattern("p.query.n1", "p.query.n1")).toBe(true);
    expect(matchesPattern("p.query.n1", "q.query.n1")).toBe(false);
  });

  it("routes an address to each bound queue once", () => {
    const table = new BindingTable();
    table.bind("hub", "p.result.*");
    table.bind("hub", "p.result.*");
    table.bind("audit", "p.>");
    table.bind("node", "p.query.n1");
    expect(table.route("p.result.n1")).toEqual(["hub", "audit"]);
    expect(table.route("p.query.n1")).toEqual(["node", "audit"]);
    expect(table.route("q.query.n1")).toEqual([]);
  });
});
