import { describe, expect, it } from "vitest";
import { LeaseBoard } from "./inProcess.ts";

describe("in-process leases", () => {
  it("gives the lease to one of two holders, and to the other once the first lets go", async () => {
    const board = new LeaseBoard();
    const a = board.lease();
    const b = board.lease();
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    // Asking again keeps it: a holder's repeated asks neither lose nor double it.
    expect(await a.acquire()).toBe(true);
    expect(board.holder()).toBe(a);
    await a.release();
    expect(a.held()).toBe(false);
    expect(await b.acquire()).toBe(true);
    expect(await a.acquire()).toBe(false);
  });

  it("keeps leases of different names apart", async () => {
    const board = new LeaseBoard();
    expect(await board.lease("x").acquire()).toBe(true);
    expect(await board.lease("y").acquire()).toBe(true);
  });
});
