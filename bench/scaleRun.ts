/**
 * One scale point in a process of its own, so its peak memory is its own:
 * `tsx bench/scaleRun.ts <nodes> <queries> <populationSize>` prints one JSON line.
 */
import { setMaxListeners } from "node:events";
import { simulate } from "./simulation.ts";

setMaxListeners(Number.POSITIVE_INFINITY);
const [nodes, queries, populationSize] = process.argv.slice(2, 5).map(Number);
const run = await simulate({ nodes: nodes ?? 100, queries: queries ?? 100, populationSize: populationSize ?? 2_000 }, false);
const { bodies: _bodies, ...figures } = run;
// Exit only once the line is written: stdout to a pipe is asynchronous.
process.stdout.write(`${JSON.stringify(figures)}\n`, () => process.exit(0));
