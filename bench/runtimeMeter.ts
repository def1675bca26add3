import { PerformanceObserver, performance, type EventLoopUtilization } from "node:perf_hooks";
import { GCProfiler, promiseHooks } from "node:v8";

export interface RuntimeFigures {
  /** Bytes allocated on the JS heap: what the collections freed plus the heap's growth. */
  allocatedBytes: number;
  /** Time the main thread spent in garbage collection pauses (perf_hooks 'gc' entries), ms. */
  gcMs: number;
  gcCount: number;
  /** Event-loop utilisation: the share of wall time the loop was busy. */
  elu: number;
  /** Wall time the loop was busy, ms: GC pauses are a part of it. */
  busyMs: number;
  /** Promises created, when counted (a hook on every promise costs CPU itself). */
  promises: number | undefined;
}

/** What the hub process's runtime did between begin() and end(): allocation, GC, loop use, promises. */
export class RuntimeMeter {
  private gcMs = 0;
  private gcCount = 0;
  private promises = 0;
  private observer: PerformanceObserver | undefined;
  private profiler: GCProfiler | undefined;
  private stopPromises: (() => void) | undefined;
  private elu: EventLoopUtilization | undefined;
  private usedAtStart = 0;

  constructor(private readonly countPromises: boolean) {}

  begin(): void {
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        this.gcMs += e.duration;
        this.gcCount++;
      }
    });
    this.observer.observe({ entryTypes: ["gc"] });
    this.profiler = new GCProfiler();
    this.profiler.start();
    this.usedAtStart = process.memoryUsage().heapUsed;
    this.elu = performance.eventLoopUtilization();
    if (this.countPromises) this.stopPromises = promiseHooks.onInit(() => this.promises++) as () => void;
  }

  end(): RuntimeFigures {
    this.stopPromises?.();
    const { utilization: elu, active: busyMs } = performance.eventLoopUtilization(this.elu);
    const usedAtEnd = process.memoryUsage().heapUsed;
    const stats = this.profiler?.stop()?.statistics ?? [];
    // Between collections the heap only grows by allocation: sum each stretch of growth.
    let allocated = 0;
    let after = this.usedAtStart;
    for (const s of stats) {
      allocated += Math.max(0, s.beforeGC.heapStatistics.usedHeapSize - after);
      after = s.afterGC.heapStatistics.usedHeapSize;
    }
    allocated += Math.max(0, usedAtEnd - after);
    // Entries of the last collections arrive asynchronously; what was delivered by now is counted.
    this.observer?.disconnect();
    return {
      allocatedBytes: allocated,
      gcMs: this.gcMs,
      gcCount: this.gcCount,
      elu,
      busyMs,
      promises: this.countPromises ? this.promises : undefined,
    };
  }
}
