import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SERVICES, describeWith, uniquePrefix } from "../testing/services.ts";
import { AdvisoryLease, lockObject } from "./advisory.ts";

await describeWith(["postgres"], "advisory-lock leases on PostgreSQL", () => {
  const name = `duties:${uniquePrefix("lease")}`;
  let admin: pg.Client;
  const leases: AdvisoryLease[] = [];
  const lease = () => {
    const l = new AdvisoryLease({ databaseUrl: SERVICES.postgres.url, name, timeoutMs: 5000 });
    leases.push(l);
    return l;
  };
  /** The backends holding this lease's lock now. */
  const holders = async () =>
    (
      await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid::int = $1 AND objid::int = $2 AND objsubid = 2 AND granted",
        [0x716e6574, lockObject(name)],
      )
    ).rows.map((r) => r.pid);

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: SERVICES.postgres.url });
    await admin.connect();
  });
  afterAll(async () => {
    for (const l of leases) await l.release();
    await admin.end();
  });

  it("gives the lease to one of two holders; when the winner's connection dies the other takes over, and the winner knows it lost", async () => {
    const a = lease();
    const b = lease();
    const first = await a.acquire();
    const second = await b.acquire();
    expect([first, second]).toEqual([true, false]);
    // Asked again, each keeps its answer, and the server holds the lock once.
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    const [holder, ...others] = await holders();
    expect(others).toEqual([]);
    // The winner's session ends as a dead replica's would: the server frees the lock by itself.
    // (The second argument waits for the backend to be gone, so the next ask does not race its exit.)
    await admin.query("SELECT pg_terminate_backend($1, 10000)", [holder]);
    expect(await b.acquire()).toBe(true);
    expect(await a.acquire()).toBe(false);
    expect(a.held()).toBe(false);
    const [next] = await holders();
    expect(next).not.toBe(holder);
    // The loser reconnects but stays out while the other holds it.
    expect(await a.acquire()).toBe(false);
  });

  it("frees the lease at release, for the next holder to take", async () => {
    const a = lease();
    const b = lease();
    await Promise.all(leases.slice(0, -2).map((l) => l.release()));
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    await a.release();
    expect(await b.acquire()).toBe(true);
  });

  it("answers false, without throwing, when the server cannot be reached", async () => {
    const lost = new AdvisoryLease({ databaseUrl: "postgres://postgres@127.0.0.1:1/postgres", name, timeoutMs: 1000 });
    expect(await lost.acquire()).toBe(false);
    await lost.release();
  });
});
