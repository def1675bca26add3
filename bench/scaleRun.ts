/**
 * One scale point in a process of its own, so its peak memory is its own:
 * `tsx bench/scaleRun.ts <nodes> <queries> <populationSize> [breakdowns]` prints one JSON line;
 * with `breakdowns`, every query asks for all four.
 */
import { setMaxListeners } from "node:events";
import { simulate } from "./simulation.ts";

setMaxListeners(Number.POSITIVE_INFINITY);
const [nodes, queries, populationSize] = process.argv.slice(2, 5).map(Number);
const breakdowns = process.argv[5] === "breakdowns";
const run = await simulate({ nodes: nodes ?? 100, queries: queries ?? 100, populationSize: populationSize ?? 2_000, breakdowns }, false);
const { bodies: _bodies, ...figures } = run;
// Exit only once the line is written: stdout to a pipe is asynchronous.
process.stdout.write(`${JSON.stringify(figures)}\n`, () => process.exit(0));
