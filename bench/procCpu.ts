import { readdirSync, readFileSync } from "node:fs";

/** Linux reports CPU time in clock ticks of 1/100 s (`getconf CLK_TCK`). */
const US_PER_TICK = 10_000;

/** user + system CPU time of /proc/<path>/stat, µs; undefined once the process or thread is gone. */
function statCpu(path: string): number | undefined {
  try {
    const text = readFileSync(`/proc/${path}/stat`, "utf8");
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * US_PER_TICK;
  } catch {
    return undefined;
  }
}

/** The CPU time of a whole process, every thread. */
export const processCpu = (pid: number) => statCpu(String(pid));
/** The CPU time of one thread of a process: the main thread's id is the process id. */
export const threadCpu = (pid: number, tid: number) => statCpu(`${pid}/task/${tid}`);

/** The processes whose command name (/proc/<pid>/comm) is `comm`, such as beam.smp or nats-server. */
export function pidsNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === comm) pids.push(Number(entry));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return pids;
}

/**
 * CPU time spent by a changing set of processes between two moments, µs. A process seen only at
 * the end started in between and counts whole; one gone at the end counts what it had spent when
 * last seen, so a pool connection that closed while idle loses nothing that matters.
 */
export class CpuSpan {
  private readonly start = new Map<number, number>();

  constructor(private readonly read: (pid: number) => number | undefined) {}

  begin(pids: Iterable<number>): void {
    for (const pid of pids) {
      const cpu = this.read(pid);
      if (cpu !== undefined) this.start.set(pid, cpu);
    }
  }

  end(pids: Iterable<number>): number {
    let total = 0;
    const seen = new Set<number>();
    for (const pid of [...pids, ...this.start.keys()]) {
      if (seen.has(pid)) continue;
      seen.add(pid);
      const before = this.start.get(pid) ?? 0;
      total += Math.max(0, (this.read(pid) ?? before) - before);
    }
    return total;
  }
}
