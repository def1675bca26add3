import { CpuProfiler, type ProfileSummary } from "./cpuProfile.ts";
import { CpuSpan, pidsNamed, processCpu, threadCpu } from "./procCpu.ts";
import { type RuntimeFigures, RuntimeMeter } from "./runtimeMeter.ts";

/** The broker server's process, by command name, when it runs on this machine. */
const BROKER_PROCESS: Record<string, string> = { amqp: "beam.smp", nats: "nats-server" };

export interface HubCpu {
  /** µs of CPU over the measured stretch. */
  mainThread: number;
  process: number;
  /** The hub's PostgreSQL backends (its pool's connections). */
  postgres: number;
  /** The broker server's whole process, when found: other users of the broker count too. */
  broker: number | undefined;
}

/**
 * Everything measured around the hub's run in this process, from its first delivery to its last
 * settlement: CPU per process from /proc (main thread, whole process, PostgreSQL backends, broker),
 * the runtime's allocation, GC and loop use, and optionally a CPU profile.
 */
export class HubMeters {
  private readonly main = new CpuSpan((pid) => threadCpu(pid, pid));
  private readonly whole = new CpuSpan(processCpu);
  private readonly pg = new CpuSpan(processCpu);
  private readonly brokerSpan = new CpuSpan(processCpu);
  private readonly runtime: RuntimeMeter;
  private readonly profiler: CpuProfiler | undefined;
  private readonly brokerPids: number[];
  private profiling: Promise<void> | undefined;
  cpu: HubCpu | undefined;
  figures: RuntimeFigures | undefined;

  constructor(
    broker: string,
    /** The PostgreSQL backend pids serving the hub, asked for again at the end: a pool may open more. */
    private readonly postgresPids: () => Promise<number[]>,
    private readonly startPids: number[],
    profile: boolean,
  ) {
    const comm = BROKER_PROCESS[broker];
    this.brokerPids = comm ? pidsNamed(comm) : [];
    // Counting promises hooks every one of them: only in a profiling run, whose CPU figures are off anyway.
    this.runtime = new RuntimeMeter(profile);
    this.profiler = profile ? new CpuProfiler() : undefined;
  }

  /** For the probe's first delivery: synchronous, so the stretch starts there. */
  begin = (): void => {
    this.main.begin([process.pid]);
    this.whole.begin([process.pid]);
    this.pg.begin(this.startPids);
    this.brokerSpan.begin(this.brokerPids);
    this.runtime.begin();
    this.profiling = this.profiler?.start();
  };

  /** For the end of the probe's wait. */
  end = (): void => {
    this.figures = this.runtime.end();
    this.cpu = {
      mainThread: this.main.end([process.pid]),
      process: this.whole.end([process.pid]),
      postgres: 0,
      broker: this.brokerPids.length > 0 ? this.brokerSpan.end(this.brokerPids) : undefined,
    };
  };

  /** After end(): the backends opened meanwhile, and the profile written to `profileFile`. */
  async finish(profileFile: string): Promise<{ cpu: HubCpu; runtime: RuntimeFigures; profile: ProfileSummary | undefined }> {
    if (!this.cpu || !this.figures) throw new Error("hub meters: the run never started");
    this.cpu.postgres = this.pg.end(await this.postgresPids());
    await this.profiling;
    const profile = this.profiler ? await this.profiler.stop(profileFile) : undefined;
    return { cpu: this.cpu, runtime: this.figures, profile };
  }
}
