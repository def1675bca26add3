import { describe, expect, it } from "vitest";
import { Deque } from "./deque.ts";

describe("Deque", () => {
  it("keeps FIFO order across compactions, with items put back at the head", () => {
    const q = new Deque<number>();
    const model: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 97; i++) {
        q.push(next);
        model.push(next++);
      }
      for (let i = 0; i < 60; i++) expect(q.shift()).toBe(model.shift());
      q.unshift(-round);
      model.unshift(-round);
      expect(q.length).toBe(model.length);
    }
    while (model.length > 0) expect(q.shift()).toBe(model.shift());
    expect(q.shift()).toBeUndefined();
    expect(q.length).toBe(0);
  });
});
