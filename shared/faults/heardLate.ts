import { AsyncLocalStorage } from "node:async_hooks";
import type { Clock } from "../ports/clock.ts";
import type { SqlClient } from "../store/sql/client.ts";

/** How late the commit of the store step running in this async context is heard, and whether an engine has waited it. */
interface Lateness {
  ms: number;
  waited: boolean;
}

const lateness = new AsyncLocalStorage<Lateness>();

/** Until when a LISTEN asked for in this async context is held back, and whether an engine's client held one. */
interface HeldListen {
  until: Promise<void>;
  held: boolean;
}

const heldListens = new AsyncLocalStorage<HeldListen>();

/**
 * Runs a store step whose commit the hub hears `ms` late. An engine whose client is wrapped by
 * `hearingLate` waits between the database's commit and what the engine does on hearing it
 * (a SQL store keeps its own writes for its feed): a reader can read the step's rows before the
 * engine knows they are its own. An engine with no such client (the memory store, whose commit is
 * the step's end) is waited for here, once it returns.
 */
export async function heardLate<T>(ms: number, clock: Clock, step: () => Promise<T>): Promise<T> {
  const late: Lateness = { ms, waited: false };
  const result = await lateness.run(late, step);
  if (!late.waited) await clock.sleep(ms);
  return result;
}

/**
 * Begins a watch of the store whose LISTEN takes hold only once `until` resolves; answers what the
 * watch answered, and whether an engine's client (wrapped by `hearingLate`) held a LISTEN back. A
 * store that made none (the memory store, one listening already) leaves the deafness to the caller.
 */
export function listenHeldBack<T>(until: Promise<void>, watch: () => T): { watching: T; held: boolean } {
  const hold: HeldListen = { until, held: false };
  const watching = heldListens.run(hold, watch);
  return { watching, held: hold.held };
}

/**
 * The client as a store hears the database late: each transaction's commit inside a `heardLate`
 * step (the first of the step: a step decided again commits once) resolves `ms` after the database
 * committed it, and a LISTEN asked for inside `listenHeldBack` is made once its wait is over, so
 * notifications of what was committed meanwhile never come. Only on a clock that runs by itself: on
 * a virtual clock the store's operations take turns, and a wait inside a turn would hold every other
 * one back, which the memory store's does not.
 */
export function hearingLate(client: SqlClient, clock: Clock): SqlClient {
  const copyFrom = client.copyFrom?.bind(client);
  return {
    query: (text, params) => client.query(text, params),
    ...(copyFrom && { copyFrom }),
    async transaction(fn) {
      const result = await client.transaction(fn);
      const late = lateness.getStore();
      if (late && !late.waited) {
        late.waited = true;
        await clock.sleep(late.ms);
      }
      return result;
    },
    async listen(channel, onNotify, onGap) {
      const hold = heldListens.getStore();
      if (hold) {
        hold.held = true;
        await hold.until;
      }
      return client.listen(channel, onNotify, onGap);
    },
    close: () => client.close(),
  };
}
