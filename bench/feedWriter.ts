/**
 * The writing replica of the feed-lag figure, in a process of its own:
 * `tsx bench/feedWriter.ts <schema> <proposals.json> <per second>` applies the node proposals of the
 * file in bursts every TICK_MS (100 at 2,000/s), at the rate given, and prints one JSON line: the store position of
 * each state it stored and the wall-clock ms its commit returned.
 */
import { readFileSync } from "node:fs";
import type { Proposal } from "../shared/ports/store.ts";
import { createStore } from "../shared/store/create.ts";
import { SERVICES } from "../shared/testing/services.ts";
import { systemClock } from "../shared/time/systemClock.ts";
import { wallNow } from "./child.ts";

// Bursts as a hub writes them under load (a prefetch of deliveries a burst); 20 per 10 ms fell behind on a loaded machine.
const TICK_MS = 50;

const [schema, file, rateText] = process.argv.slice(2);
const proposals = JSON.parse(readFileSync(file as string, "utf8")) as Proposal[];
const perTick = Math.max(1, Math.round((Number(rateText) * TICK_MS) / 1000));
const store = await createStore("postgres", { clock: systemClock, databaseUrl: SERVICES.postgres.url, schema: schema as string });
await store.open();
const commits: [number, number][] = [];
const start = wallNow();
for (let i = 0, tick = 0; i < proposals.length; i += perTick, tick++) {
  // Paced against the start, so a slow burst is made up for rather than stretching the run.
  const due = start + tick * TICK_MS;
  if (due > wallNow()) await systemClock.sleep(due - wallNow());
  const applied = await store.apply(proposals.slice(i, i + perTick));
  const at = wallNow();
  for (const a of applied) if (a.stored) commits.push([a.stored.seq, at]);
}
const seconds = (wallNow() - start) / 1000;
await store.close();
process.stdout.write(`${JSON.stringify({ commits, seconds })}\n`, () => process.exit(0));
