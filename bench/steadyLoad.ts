/**
 * The node side and the researcher side of a steady run, in a process of their own as in a real
 * network: publishes the workload at the offered rate and, when given the hub's address, reads
 * GET /api/queries/:id back to back meanwhile. Prints one JSON line: when each message was
 * published (wall clock) and what the reader saw.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { SeededRandom } from "../shared/time/seededRandom.ts";
import { BROKERS, connectBroker } from "./brokers.ts";
import { wallNow } from "./child.ts";
import { steadyWorkload } from "./steadyWorkload.ts";

const TICK_MS = 5;

export const LoadOrder = z.object({
  broker: z.enum(BROKERS),
  prefix: z.string().min(1),
  rate: z.number().positive(),
  seconds: z.number().positive(),
  nodes: z.number().int().positive(),
  prefetch: z.number().int().positive(),
  apiAddress: z.string().url().optional(),
});
export type LoadOrder = z.infer<typeof LoadOrder>;

export interface LoadReport {
  /** Wall-clock ms each message of the workload was published at, in workload order. */
  publishedAt: number[];
  achievedRate: number;
  reads: number[];
  readErrors: number;
}

async function readBackToBack(address: string, queryIds: readonly string[], reading: () => boolean, report: LoadReport) {
  const random = new SeededRandom("bench-reader");
  while (reading()) {
    const id = random.pick(queryIds);
    const t = performance.now();
    const res = await fetch(`${address}/api/queries/${id}`);
    await res.arrayBuffer();
    report.reads.push(performance.now() - t);
    if (res.status !== 200) report.readErrors++;
  }
}

async function main(order: LoadOrder): Promise<LoadReport> {
  const workload = steadyWorkload(order);
  const transport = await connectBroker(order.broker, order.prefix, order.prefetch, "bench-steady-nodes");
  const report: LoadReport = { publishedAt: [], achievedRate: 0, reads: [], readErrors: 0 };
  try {
    let publishing = true;
    const reader = order.apiAddress ? readBackToBack(order.apiAddress, workload.queryIds, () => publishing, report) : undefined;
    const messages = workload.messages.slice(0, Math.round(order.rate * order.seconds));
    const inFlight = new Set<Promise<void>>();
    let sent = 0;
    const start = performance.now();
    while (sent < messages.length) {
      const due = Math.min(messages.length, Math.floor(((performance.now() - start) / 1000) * order.rate));
      for (; sent < due; sent++) {
        const m = messages[sent] as (typeof messages)[number];
        report.publishedAt.push(Math.round(wallNow() * 100) / 100);
        const p = transport
          .publish({ to: "hub", kind: "result", nodeId: m.nodeId }, m.body, { messageId: m.messageId })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await sleep(TICK_MS);
    }
    report.achievedRate = sent / ((performance.now() - start) / 1000);
    await Promise.all(inFlight);
    publishing = false;
    await reader;
    return report;
  } finally {
    await transport.close();
  }
}

const order = LoadOrder.safeParse(JSON.parse(process.argv[2] ?? "null"));
if (!order.success) {
  process.stderr.write(`steady load: bad order: ${order.error.message}\n`);
  process.exit(2);
}
// Exit only once the line is written: stdout to a pipe is asynchronous.
process.stdout.write(`${JSON.stringify(await main(order.data))}\n`, () => process.exit(0));
