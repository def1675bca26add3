import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../../shared/config.ts";
import type { Logger } from "../../shared/log.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { Store } from "../../shared/ports/store.ts";
import { createStore } from "../../shared/store/create.ts";
import { rebuildView } from "../view/rebuild.ts";
import { shownDifferences, shownQueries } from "./compare.ts";
import { type LiveHub, liveQueries } from "./live.ts";

export interface RebuildReport {
  /** Stored states in the store when it was read. */
  states: number;
  /** Queries in the rebuilt view and in the live one. */
  rebuiltQueries: number;
  liveQueries: number;
  /** One line per item shown differently; empty when the live view is what the record says. */
  differences: string[];
}

export interface RebuildDeps {
  clock: Clock;
  log: Logger;
}

const SECOND_LOOK_MS = 1_000;
const MEMORY = "QNET_STORE=memory: a memory store lives inside the hub process; there is no record to rebuild from";

/**
 * `npm run rebuild`: replays the store into a fresh view and compares it with what the running hub
 * `hub` shows. A network still moving differs for a moment in a state that is changing, so
 * when the first look finds differences it looks again, and reports only what differs both times
 * in the same way; on a quiet network both looks are the same.
 */
export async function rebuildAgainstHub(
  config: Pick<Config, "QNET_STORE" | "DATABASE_URL" | "QNET_DB_SCHEMA">,
  hub: LiveHub,
  deps: RebuildDeps,
): Promise<RebuildReport> {
  if (config.QNET_STORE === "memory") throw new Error(MEMORY);
  const first = await compareOnce(config, hub, deps);
  if (first.differences.length === 0) return first;
  await deps.clock.sleep(SECOND_LOOK_MS);
  const second = await compareOnce(config, hub, deps);
  const before = new Set(first.differences);
  return { ...second, differences: second.differences.filter((d) => before.has(d)) };
}

async function compareOnce(
  config: Pick<Config, "QNET_STORE" | "DATABASE_URL" | "QNET_DB_SCHEMA">,
  hub: LiveHub,
  deps: RebuildDeps,
): Promise<RebuildReport> {
  // The live view first: the store only grows, so whatever the hub showed is in the store read after it.
  const live = await liveQueries(hub);
  const rebuilt = await withStore(config, deps, async (store) => {
    const { states } = await store.counts();
    return { states, queries: shownQueries(await rebuildView(store)) };
  });
  return {
    states: rebuilt.states,
    rebuiltQueries: rebuilt.queries.length,
    liveQueries: live.length,
    differences: shownDifferences(rebuilt.queries, live),
  };
}

/**
 * The store the configuration names, read only (not migrated). An embedded PGlite folder belongs
 * to the hub process that has it open, so the command reads a copy of it and never the folder itself.
 */
async function withStore<T>(
  config: Pick<Config, "QNET_STORE" | "DATABASE_URL" | "QNET_DB_SCHEMA">,
  deps: RebuildDeps,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  if (config.QNET_STORE === "memory") throw new Error(MEMORY);
  let copy: string | undefined;
  let spec = config.QNET_STORE;
  if (spec.startsWith("pglite:")) {
    copy = await mkdtemp(join(tmpdir(), "qnet-rebuild-"));
    await cp(spec.slice("pglite:".length), copy, { recursive: true });
    spec = `pglite:${copy}`;
  }
  const store = await createStore(spec, {
    clock: deps.clock,
    databaseUrl: config.DATABASE_URL,
    schema: config.QNET_DB_SCHEMA,
    log: deps.log,
  });
  try {
    return await fn(store);
  } finally {
    await store.close();
    if (copy) await rm(copy, { recursive: true, force: true });
  }
}
